import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Reads secrets once per container at cold start; they never sit in environment variables. */
export class SecretReader {
  private readonly client: SecretsManagerClient;

  constructor(region: string) {
    this.client = new SecretsManagerClient({ region, maxAttempts: 3 });
  }

  async text(secretArn: string): Promise<string> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error(`Secret ${secretArn} has no string value`);
    return SecretString;
  }

  /** A JSON array of strings (the API keys). */
  async stringList(secretArn: string): Promise<string[]> {
    const value: unknown = JSON.parse(await this.text(secretArn));
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new Error(`Secret ${secretArn} must hold a JSON array of strings`);
    }
    return value;
  }
}
