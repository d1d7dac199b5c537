import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How long a secret value is trusted before it is read again: a rotation takes effect within this. */
export const SECRET_TTL_MS = 60_000;
/** Reads forced by failures (a wrong AUTH token, an unknown API key) happen at most this often. */
export const SECRET_MIN_REFRESH_MS = 5_000;

/** Reads secrets by name or ARN; they never sit in environment variables. */
export class SecretReader {
  private readonly client: SecretsManagerClient;

  constructor(region: string, endpoint?: string) {
    this.client = new SecretsManagerClient({
      region,
      maxAttempts: 3,
      ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    });
  }

  /** The secret's current value, or the one with another staging label (`AWSPREVIOUS`). */
  async text(secretId: string, stage?: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    if (!SecretString) throw new Error(`Secret ${secretId} has no string value`);
    return SecretString;
  }

  /**
   * The current value first, then the previous one if it differs. During a rotation the secret can be
   * ahead of the server (Terraform stores the new Redis token before ElastiCache accepts it) or behind.
   */
  async currentAndPrevious(secretId: string): Promise<string[]> {
    const [current, previous] = await Promise.all([this.text(secretId), this.text(secretId, 'AWSPREVIOUS').catch(() => undefined)]);
    return previous && previous !== current ? [current, previous] : [current];
  }

  /** A JSON array of strings (the API keys). */
  async stringList(secretId: string): Promise<string[]> {
    const value: unknown = JSON.parse(await this.text(secretId));
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new Error(`Secret ${secretId} must hold a JSON array of strings`);
    }
    return value;
  }

  destroy(): void {
    this.client.destroy();
  }
}

export interface RefreshingSecretOptions {
  readonly ttlMs?: number;
  readonly minRefreshIntervalMs?: number;
  readonly now?: () => number;
  /** A failed re-read; the last good value stays in use. */
  readonly onError?: (error: Error) => void;
}

/**
 * A secret value kept fresh without a redeploy: re-read once it is older than the TTL, and on demand
 * (`refresh()`, after an AUTH failure or an unknown API key) at most once per minimum interval, so no
 * client can turn failures into a flood of Secrets Manager calls. Concurrent reads share one call.
 */
export class RefreshingSecret<T> {
  private value?: T;
  private fetchedAt = -Infinity;
  private lastForced = -Infinity;
  private loading?: Promise<T>;
  private readonly ttlMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly read: () => Promise<T>, private readonly options: RefreshingSecretOptions = {}) {
    this.ttlMs = options.ttlMs ?? SECRET_TTL_MS;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? SECRET_MIN_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** The value, read again first when older than the TTL. Throws only if it was never read. */
  async get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.fetchedAt < this.ttlMs) return this.value;
    return this.load();
  }

  /** The value as last read, without waiting. */
  peek(): T | undefined {
    return this.value;
  }

  /** Reads again now unless a forced read happened within the minimum interval; the value either way. */
  async refresh(): Promise<T> {
    if (this.value !== undefined && this.now() - this.lastForced < this.minRefreshIntervalMs) return this.value;
    this.lastForced = this.now();
    return this.load();
  }

  private load(): Promise<T> {
    this.loading ??= this.read()
      .then((value) => {
        this.value = value;
        this.fetchedAt = this.now();
        return value;
      })
      .catch((error: Error) => {
        if (this.value === undefined) throw error;
        this.options.onError?.(error);
        // Keep serving the last good value; try again after the minimum interval, not on every request.
        this.fetchedAt = this.now() - this.ttlMs + this.minRefreshIntervalMs;
        return this.value;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
