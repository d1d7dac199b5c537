import Redis from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Position } from '../domain/position';
import type { RefreshingSecret } from '../secrets';

/** How long a cached latest position lives: bounds staleness if a write-through was ever missed. */
export const LATEST_TTL_MS = 15 * 60 * 1000;
/**
 * How long the geo index is trusted after a rebuild: then it is rebuilt from DynamoDB (removing what
 * is gone). Bounds how long an entry another process failed to update can be served, as LATEST_TTL_MS
 * does for latest positions.
 */
export const GEO_INDEX_TTL_MS = 15 * 60 * 1000;
/** Keys whose write-through failed; above this, reconnection clears every latest key instead. */
const MAX_DIRTY_KEYS = 10_000;

export type CacheRead = { status: 'hit'; position: Position } | { status: 'miss' } | { status: 'bypass' };

export interface CacheHealth {
  readonly status: 'up' | 'degraded' | 'disabled';
  readonly latencyMs?: number;
  readonly error?: string;
}

/** Redis GEO cannot index latitudes beyond this (Web Mercator); such positions are searched in DynamoDB. */
export const REDIS_GEO_MAX_LAT = 85.05112878;

/**
 * Every write also advances `seq`, the cache's own clock. A process remembers the highest value it
 * saw; finding Redis behind it after a reconnect means Redis went back in time (restored from an
 * older snapshot, or failed over to a replica that had not caught up), and everything is cleared.
 *
 * Sets the latest position unless the cached one is newer, atomically: out-of-order arrivals and
 * concurrent writers settle on the greatest timestamp, as in DynamoDB, and a resent fix with the
 * same timestamp replaces it (as it replaces the history item). The geo index follows the same rule
 * with its own (non-expiring) timestamps.
 * KEYS: latest hash, geo set, geo positions hash, seq.
 * ARGV: ts, position JSON, ttl ms, vehicle id, lon, lat, fleet id ('' for none), and whether an equal
 * timestamp overwrites the latest hash / the geo entry ('1' or '0').
 * Only a write that DynamoDB just accepted may overwrite at an equal timestamp (a resend with new
 * values); a cache fill from an earlier read must not, or it could put back the values it replaced.
 * Returns { updated (0/1), seq }.
 */
const SET_LATEST_IF_NEWER = `
local ts = tonumber(ARGV[1])
local updated = 0
local current = tonumber(redis.call('HGET', KEYS[1], 'ts'))
if not current or current < ts or (current == ts and ARGV[8] == '1') then
  redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'position', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  updated = 1
end
local geo = redis.call('HGET', KEYS[3], ARGV[4])
local geoTs = geo and tonumber(string.match(geo, '^(%d+)|'))
-- Equal timestamps overwrite too: a fix resent with new values, or the vehicle's fleet as DynamoDB
-- now knows it (a move missed while Redis was unreachable).
if not geoTs or geoTs < ts or (geoTs == ts and ARGV[9] == '1') then
  if math.abs(tonumber(ARGV[6])) <= ${REDIS_GEO_MAX_LAT} then
    redis.call('GEOADD', KEYS[2], ARGV[5], ARGV[6], ARGV[4])
  else
    redis.call('ZREM', KEYS[2], ARGV[4])
  end
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[1] .. '|' .. ARGV[7] .. '|' .. ARGV[2])
end
return { updated, redis.call('INCR', KEYS[4]) }
`;

/** Moves a vehicle's geo entry to another fleet. KEYS: geo positions hash. ARGV: vehicle id, fleet id. */
const SET_GEO_FLEET = `
local geo = redis.call('HGET', KEYS[1], ARGV[1])
if not geo then return 0 end
local ts, rest = string.match(geo, '^(%d+)|[^|]*|(.*)$')
redis.call('HSET', KEYS[1], ARGV[1], ts .. '|' .. ARGV[2] .. '|' .. rest)
return 1
`;

/** The AUTH token: fixed, or candidates from a secret re-read on rotation (current, then previous). */
export type RedisPassword = string | RefreshingSecret<readonly string[]>;

const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Rotation without a redeploy: reconnects use the token as last read (re-read every minute). When
 * Redis rejects it, the secret is re-read at once (rate-limited) and the other candidate is tried:
 * the previous token while ElastiCache has not yet accepted the new one (ROTATE in progress), the new
 * one after SET removed the old.
 */
function followTokenRotation(redis: Redis, source: RefreshingSecret<readonly string[]>, log: FastifyBaseLogger): void {
  let candidate = 0;
  const use = (tokens: readonly string[]) => {
    candidate %= tokens.length;
    const token = tokens[candidate];
    if (redis.options.password !== token) {
      redis.options.password = token;
      log.info({ candidate: candidate === 0 ? 'current' : 'previous' }, 'Redis AUTH: reconnecting with another token from Secrets Manager');
    }
  };
  redis.on('error', (error: Error) => {
    if (!AUTH_FAILURE.test(error.message)) return;
    candidate += 1;
    void source.refresh().then(use, () => undefined);
  });
  redis.on('reconnecting', () => void source.get().then(use, () => undefined));
}

/** Where a cache write comes from; decides whether an equal timestamp may overwrite. */
export type LatestOrigin = 'write' | 'read' | 'rebuild';

/** A latest position with the vehicle's fleet, as the geo index keeps it. */
export interface LatestEntry {
  readonly position: Position;
  readonly fleetId?: string;
}

export interface GeoCandidate {
  readonly position: Position;
  readonly fleetId?: string;
}

type SetLatestArgs = [string, string, string, string, number, string, string, number, number, string, string, string];

interface CacheCommands {
  setLatestIfNewer(...args: SetLatestArgs): Promise<[number, number]>;
  setGeoFleet(key: string, vehicleId: string, fleetId: string): Promise<number>;
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
  /** A geo write failed here: the shared geo index may be stale until the next reconcile. */
  private geoStale = false;
  private rebuilding?: Promise<void>;
  /** The highest value of the cache's clock this process has seen (see SET_LATEST_IF_NEWER). */
  private highestSeq = 0;
  /** The Redis server process last connected to (INFO server run_id). */
  private runId?: string;
  /** Set while a reconnected Redis is checked for having gone back in time. */
  private verifying?: Promise<void>;

  private constructor(
    private readonly redis: (Redis & CacheCommands) | undefined,
    private readonly prefix: string,
    private readonly log: FastifyBaseLogger,
  ) {
    if (!redis) return;
    redis.defineCommand('setLatestIfNewer', { numberOfKeys: 4, lua: SET_LATEST_IF_NEWER });
    redis.defineCommand('setGeoFleet', { numberOfKeys: 1, lua: SET_GEO_FLEET });
    redis.on('error', (error: Error) => {
      if (!this.outageLogged) log.warn({ err: error.message }, 'Redis unavailable: serving from DynamoDB until it is back');
      this.outageLogged = true;
    });
    redis.on('ready', () => {
      if (this.outageLogged) log.info('Redis is back: using the cache again');
      this.outageLogged = false;
      // Not trusted until it is known not to have gone back in time.
      this.verifying = this.checkClock().finally(() => {
        this.verifying = undefined;
        this.scheduleReconcile();
      });
    });
  }

  static disabled(log: FastifyBaseLogger): PositionCache {
    return new PositionCache(undefined, '', log);
  }

  static connect(url: string, options: { environment: string; password?: RedisPassword; log: FastifyBaseLogger }): PositionCache {
    const source = options.password;
    const redis = new Redis(url, {
      password: typeof source === 'string' ? source : source?.peek()?.[0],
      connectTimeout: 1000,
      commandTimeout: 500,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // Keep trying in the background; requests never wait for it.
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
      lazyConnect: false,
    }) as Redis & CacheCommands;
    if (source && typeof source !== 'string') followTokenRotation(redis, source, options.log);
    return new PositionCache(redis, `vt:${options.environment}:`, options.log);
  }

  get enabled(): boolean {
    return this.redis !== undefined;
  }

  /** Resolves once connected, or after `timeoutMs` (the app works either way). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const redis = this.redis;
    if (!redis) return false;
    if (redis.status === 'ready') {
      await this.verifying;
      return true;
    }
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ready);
      };
      // Ready means connected and checked (see checkClock), not just connected.
      const onReady = () => void Promise.resolve(this.verifying).then(() => done(true));
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.once('ready', onReady);
    });
  }

  private latestKey(vehicleId: string): string {
    return `${this.prefix}latest:${vehicleId}`;
  }

  private usable(): boolean {
    return this.redis?.status === 'ready' && !this.verifying;
  }

  private seqKey(): string {
    return `${this.prefix}seq`;
  }

  /** After a reconnect: a clock behind what this process saw means every entry may be older than DynamoDB. */
  private async checkClock(): Promise<void> {
    try {
      // Another server process (a restart from a snapshot, a failover) is caught by every instance,
      // readers included; a clock behind what this process saw, by the ones that wrote.
      const [seqText, info] = await Promise.all([this.redis!.get(this.seqKey()), this.redis!.info('server')]);
      const seq = Number(seqText ?? 0);
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      const replaced = this.runId !== undefined && runId !== undefined && runId !== this.runId;
      this.runId = runId ?? this.runId;
      if (seq >= this.highestSeq && !replaced) return;
      this.log.warn({ seq, seen: this.highestSeq, replaced }, 'Redis may have gone back in time (restarted from a snapshot, failed over, or behind this process): clearing every cached position');
      this.clearAllOnReconnect = true;
      this.geoStale = true;
      this.highestSeq = seq;
    } catch {
      this.clearAllOnReconnect = true;
      this.geoStale = true;
    }
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

  private geoKey(): string {
    return `${this.prefix}geo`;
  }

  private geoPositionsKey(): string {
    return `${this.prefix}geo:positions`;
  }

  private geoReadyKey(): string {
    return `${this.prefix}geo:ready`;
  }

  private setLatestArgs(entry: LatestEntry, origin: LatestOrigin): SetLatestArgs {
    const { position } = entry;
    return [
      this.latestKey(position.vehicleId),
      this.geoKey(),
      this.geoPositionsKey(),
      this.seqKey(),
      position.ts,
      JSON.stringify(position),
      String(LATEST_TTL_MS),
      position.vehicleId,
      position.lon,
      position.lat,
      entry.fleetId ?? '',
      origin === 'write' ? '1' : '0',
      // A rebuild reads DynamoDB's current fleet: it may correct the geo entry at an equal timestamp.
      origin === 'read' ? '0' : '1',
    ] as unknown as SetLatestArgs;
  }

  /**
   * Write-through of positions DynamoDB just accepted as latest (`write`), a fill after a miss from
   * what was read (`read`), or the geo index rebuild (`rebuild`).
   */
  async offerLatest(entries: readonly LatestEntry[], origin: LatestOrigin): Promise<void> {
    if (!this.redis || entries.length === 0) return;
    const keys = entries.map((entry) => this.latestKey(entry.position.vehicleId));
    if (!this.usable()) return this.markDirty(keys);
    try {
      const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
        setLatestIfNewer(...args: SetLatestArgs): unknown;
      };
      for (const entry of entries) pipeline.setLatestIfNewer(...this.setLatestArgs(entry, origin));
      const results = (await pipeline.exec()) ?? [];
      for (const [error, reply] of results) if (!error) this.highestSeq = Math.max(this.highestSeq, Number((reply as [number, number])[1]));
      this.markDirty(keys.filter((_, i) => !results[i] || results[i][0]));
      if (this.dirty.size > 0) this.scheduleReconcile();
    } catch {
      this.markDirty(keys);
    }
  }

  /** Keeps the geo index's fleet of a vehicle in step with PATCH. */
  async changeFleet(vehicleId: string, fleetId: string | undefined): Promise<void> {
    if (!this.redis) return;
    if (!this.usable()) {
      this.geoStale = true;
      return;
    }
    try {
      await this.redis.setGeoFleet(this.geoPositionsKey(), vehicleId, fleetId ?? '');
    } catch {
      this.geoStale = true;
    }
  }

  /**
   * Candidates within `radiusMeters` from the geo index, or undefined when it cannot answer
   * correctly (no Redis, not built yet, possibly stale, or a circle beyond Redis' latitude range).
   * Callers then ask DynamoDB; a cold index is rebuilt in the background from `source`.
   */
  async nearby(lat: number, lon: number, radiusMeters: number, source: () => Promise<LatestEntry[]>): Promise<GeoCandidate[] | undefined> {
    const redis = this.redis;
    if (!redis || !this.usable()) return undefined;
    if (this.geoStale || this.dirty.size > 0 || this.clearAllOnReconnect) {
      this.scheduleReconcile();
      return undefined;
    }
    const dLat = (radiusMeters / 6_371_008.8) * (180 / Math.PI);
    if (Math.abs(lat) + dLat > REDIS_GEO_MAX_LAT) return undefined;
    try {
      if (!(await redis.exists(this.geoReadyKey()))) {
        this.rebuildGeo(source);
        return undefined;
      }
      // A hair wider than asked: Redis measures on a slightly larger sphere; callers filter exactly.
      const members = (await redis.geosearch(this.geoKey(), 'FROMLONLAT', lon, lat, 'BYRADIUS', radiusMeters * 1.001 + 1, 'm', 'ASC')) as string[];
      if (members.length === 0) return [];
      const values = await redis.hmget(this.geoPositionsKey(), ...members);
      return values.flatMap((value) => {
        const match = value ? /^(\d+)\|([^|]*)\|(.*)$/.exec(value) : null;
        if (!match) return [];
        return [{ position: JSON.parse(match[3]) as Position, fleetId: match[2] || undefined }];
      });
    } catch {
      return undefined;
    }
  }

  private rebuildGeo(source: () => Promise<LatestEntry[]>): void {
    const redis = this.redis;
    if (!redis || this.rebuilding) return;
    const lock = `${this.prefix}geo:rebuilding`;
    this.rebuilding = (async () => {
      if ((await redis.set(lock, '1', 'PX', 60_000, 'NX')) !== 'OK') return;
      try {
        // Members before the read: any that DynamoDB no longer has (deleted, or never stored) go.
        // One added while this runs was not in the snapshot, so it is never removed by mistake.
        const before = await redis.hkeys(this.geoPositionsKey());
        const entries = await source();
        for (let i = 0; i < entries.length; i += 500) await this.offerLatest(entries.slice(i, i + 500), 'rebuild');
        const present = new Set(entries.map((entry) => entry.position.vehicleId));
        const gone = before.filter((vehicleId) => !present.has(vehicleId));
        for (let i = 0; i < gone.length; i += 500) {
          const chunk = gone.slice(i, i + 500);
          await redis.multi().zrem(this.geoKey(), ...chunk).hdel(this.geoPositionsKey(), ...chunk).exec();
        }
        if (this.dirty.size === 0 && !this.geoStale) await redis.set(this.geoReadyKey(), '1', 'PX', GEO_INDEX_TTL_MS);
        this.log.info({ vehicles: entries.length, removed: gone.length }, 'Rebuilt the Redis geo index from DynamoDB');
      } finally {
        await redis.del(lock);
      }
    })()
      .catch((error: Error) => this.log.warn({ err: error.message }, 'Could not rebuild the Redis geo index; searches use DynamoDB'))
      .finally(() => {
        this.rebuilding = undefined;
      });
  }

  /** Resolves when a background geo rebuild (if any) is done. */
  async geoRebuilt(): Promise<void> {
    await this.rebuilding;
  }

  async forget(vehicleId: string): Promise<void> {
    const key = this.latestKey(vehicleId);
    if (!this.redis) return;
    if (!this.usable()) {
      this.geoStale = true;
      return this.markDirty([key]);
    }
    try {
      const results = await this.redis.multi().del(key).zrem(this.geoKey(), vehicleId).hdel(this.geoPositionsKey(), vehicleId).incr(this.seqKey()).exec();
      this.highestSeq = Math.max(this.highestSeq, Number(results?.[3]?.[1] ?? 0));
    } catch {
      this.geoStale = true;
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

  /**
   * Deletes every key of this environment. The dev server calls it at start: its embedded database
   * may be new, and a cache left from an earlier run would describe vehicles that are gone.
   */
  async clearAll(): Promise<void> {
    const redis = this.redis;
    if (!redis || !this.usable()) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private markDirty(keys: readonly string[]): void {
    if (keys.length > 0) this.geoStale = true;
    for (const key of keys) this.dirty.add(key);
    if (this.dirty.size > MAX_DIRTY_KEYS) {
      this.dirty.clear();
      this.clearAllOnReconnect = true;
    }
  }

  private scheduleReconcile(): void {
    if (this.reconciling || !this.usable()) return;
    if (this.dirty.size === 0 && !this.clearAllOnReconnect && !this.geoStale) return;
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
      if (this.geoStale) {
        // The geo index may have missed updates: the next nearby search rebuilds it from DynamoDB.
        await redis.del(this.geoReadyKey());
        this.geoStale = false;
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'Could not clear possibly stale cache entries; will retry on reconnect');
    }
  }
}
