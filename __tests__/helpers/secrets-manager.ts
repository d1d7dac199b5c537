import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * Secrets Manager's GetSecretValue on a local port, speaking its JSON 1.1 wire protocol, so the real
 * @aws-sdk/client-secrets-manager code path runs (Secrets Manager cannot run locally; this is the
 * one AWS API the rotation tests stand in for). Values change with `put`, as a rotation does.
 */
export class LocalSecretsManager {
  /** Every value put, oldest first: the last is AWSCURRENT, the one before AWSPREVIOUS. */
  private readonly versions = new Map<string, string[]>();
  /** GetSecretValue calls per secret id: how often the API re-read each secret. */
  readonly reads = new Map<string, number>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<LocalSecretsManager> {
    let self!: LocalSecretsManager;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => self.answer(req, body, res));
    });
    self = new LocalSecretsManager(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  put(secretId: string, value: string): void {
    this.versions.set(secretId, [...(this.versions.get(secretId) ?? []), value]);
  }

  /** Makes a secret unreadable (AccessDenied, deleted, throttled…). */
  remove(secretId: string): void {
    this.versions.delete(secretId);
  }

  readCount(secretId: string): number {
    return this.reads.get(secretId) ?? 0;
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return reply(400, { __type: 'UnknownOperationException', message: String(req.headers['x-amz-target']) });
    }
    const { SecretId, VersionStage } = JSON.parse(body) as { SecretId: string; VersionStage?: string };
    this.reads.set(SecretId, this.readCount(SecretId) + 1);
    const history = this.versions.get(SecretId) ?? [];
    const value = VersionStage === 'AWSPREVIOUS' ? history[history.length - 2] : history[history.length - 1];
    if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find ${SecretId}` });
    reply(200, { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`, Name: SecretId, SecretString: value, VersionId: String(this.readCount(SecretId)) });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
