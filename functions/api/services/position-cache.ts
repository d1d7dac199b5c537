import Redis from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Position } from '../domain/position';

/** How long a cached latest position lives: bounds staleness if a write-through was ever missed. */
export const LATEST_TTL_MS = 15 * 60 * 1000;
/** Keys whose write-through failed; above this, reconnection clears every latest key instead. */
const MAX_DIRTY_KEYS = 10_000;

export type CacheRead = { status: 'hit'; position: Position } | { status: 'miss' } | { status: 'bypass' };

export interface CacheHealth {
  readonly status: 'up' | 'degraded' | 'disabled';
  readonly latencyMs?: number;
  readonly error?: string;
}

/**
 * Sets the latest position only if it is newer than the cached one, atomically: out-of-order
 * arrivals and concurrent writers settle on the greatest timestamp, as in DynamoDB.
 * KEYS[1] latest hash; ARGV: ts, position JSON, ttl ms.
 */
const SET_LATEST_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'ts'))
local ts = tonumber(ARGV[1])
if current and current >= ts then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'position', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

interface CacheCommands {
  setLatestIfNewer(key: string, ts: number, position: string, ttlMs: number): Promise<number>;
}

/**
 * Redis as an accelerator, never the source of truth: every write lands in DynamoDB first, every
 * failure here degrades to DynamoDB. Commands are bounded (connect 1 s, command 500 ms, no offline
 * queue), so a slow or dead Redis costs a request at most that long.
 *
 * A write-through that fails leaves Redis possibly stale for that vehicle: the key is remembered,
 * bypassed on reads, and deleted as soon as Redis is back.
 */
export class PositionCache {
  private readonly dirty = new Set<string>();
  private clearAllOnReconnect = false;
  private outageLogged = false;
  private reconciling?: Promise<void>;

  private constructor(
    private readonly redis: (Redis & CacheCommands) | undefined,
    private readonly prefix: string,
    private readonly log: FastifyBaseLogger,
  ) {
    if (!redis) return;
    redis.defineCommand('setLatestIfNewer', { numberOfKeys: 1, lua: SET_LATEST_IF_NEWER });
    redis.on('error', (error: Error) => {
      if (!this.outageLogged) log.warn({ err: error.message }, 'Redis unavailable: serving from DynamoDB until it is back');
      this.outageLogged = true;
    });
    redis.on('ready', () => {
      if (this.outageLogged) log.info('Redis is back: using the cache again');
      this.outageLogged = false;
      this.scheduleReconcile();
    });
  }

  static disabled(log: FastifyBaseLogger): PositionCache {
    return new PositionCache(undefined, '', log);
  }

  static connect(url: string, options: { environment: string; password?: string; log: FastifyBaseLogger }): PositionCache {
    const redis = new Redis(url, {
      password: options.password,
      connectTimeout: 1000,
      commandTimeout: 500,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // Keep trying in the background; requests never wait for it.
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
      lazyConnect: false,
    }) as Redis & CacheCommands;
    return new PositionCache(redis, `vt:${options.environment}:`, options.log);
  }

  get enabled(): boolean {
    return this.redis !== undefined;
  }

  /** Resolves once connected, or after `timeoutMs` (the app works either way). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const redis = this.redis;
    if (!redis) return false;
    if (redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.once('ready', onReady);
    });
  }

  private latestKey(vehicleId: string): string {
    return `${this.prefix}latest:${vehicleId}`;
  }

  private usable(): boolean {
    return this.redis?.status === 'ready';
  }

  async getLatest(vehicleId: string): Promise<CacheRead> {
    const key = this.latestKey(vehicleId);
    if (!this.redis || !this.usable()) return { status: 'bypass' };
    if (this.clearAllOnReconnect || this.dirty.has(key)) {
      this.scheduleReconcile();
      return { status: 'bypass' };
    }
    try {
      const json = await this.redis.hget(key, 'position');
      return json ? { status: 'hit', position: JSON.parse(json) as Position } : { status: 'miss' };
    } catch {
      return { status: 'bypass' };
    }
  }

  /** Write-through of positions DynamoDB accepted as latest (or read from it on a miss). */
  async offerLatest(positions: readonly Position[]): Promise<void> {
    if (!this.redis || positions.length === 0) return;
    const keys = positions.map((position) => this.latestKey(position.vehicleId));
    if (!this.usable()) return this.markDirty(keys);
    try {
      const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
        setLatestIfNewer(key: string, ts: number, position: string, ttlMs: number): unknown;
      };
      positions.forEach((position, i) =>
        pipeline.setLatestIfNewer(keys[i], position.ts, JSON.stringify(position), LATEST_TTL_MS),
      );
      const results = (await pipeline.exec()) ?? [];
      this.markDirty(keys.filter((_, i) => !results[i] || results[i][0]));
      if (this.dirty.size > 0) this.scheduleReconcile();
    } catch {
      this.markDirty(keys);
    }
  }

  async forget(vehicleId: string): Promise<void> {
    const key = this.latestKey(vehicleId);
    if (!this.redis) return;
    if (!this.usable()) return this.markDirty([key]);
    try {
      await this.redis.del(key);
    } catch {
      this.markDirty([key]);
    }
  }

  async health(): Promise<CacheHealth> {
    if (!this.redis) return { status: 'disabled' };
    const started = performance.now();
    try {
      if (!this.usable()) throw new Error(`connection ${this.redis.status}`);
      await this.redis.ping();
      return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      return { status: 'degraded', error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private markDirty(keys: readonly string[]): void {
    for (const key of keys) this.dirty.add(key);
    if (this.dirty.size > MAX_DIRTY_KEYS) {
      this.dirty.clear();
      this.clearAllOnReconnect = true;
    }
  }

  private scheduleReconcile(): void {
    if (this.reconciling || !this.usable()) return;
    if (this.dirty.size === 0 && !this.clearAllOnReconnect) return;
    this.reconciling = this.reconcile().finally(() => {
      this.reconciling = undefined;
    });
  }

  /** Deletes what may be stale so reads go back to DynamoDB for it, then trusts the cache again. */
  private async reconcile(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    try {
      if (this.clearAllOnReconnect) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}latest:*`, 'COUNT', 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        this.clearAllOnReconnect = false;
      }
      const keys = [...this.dirty];
      if (keys.length) {
        await redis.del(...keys);
        for (const key of keys) this.dirty.delete(key);
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'Could not clear possibly stale cache entries; will retry on reconnect');
    }
  }
}
