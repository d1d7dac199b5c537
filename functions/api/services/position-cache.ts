import Redis from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Position } from '../domain/position';
import type { Vehicle } from '../domain/vehicle';
import type { RefreshingSecret } from '../secrets';

/** How long a cached latest position lives: bounds staleness if a write-through was ever missed. */
export const LATEST_TTL_MS = 15 * 60 * 1000;
/**
 * How long the geo index is trusted after a rebuild. A search in its last GEO_REFRESH_AHEAD_MS starts
 * the next rebuild in the background and is still answered from the index, so a busy index never
 * goes cold; one nobody searches expires and is rebuilt by the next search.
 */
export const GEO_INDEX_TTL_MS = 15 * 60 * 1000;
export const GEO_REFRESH_AHEAD_MS = 5 * 60 * 1000;
/**
 * How long a deleted vehicle's tombstone refuses older cache writes. It must outlive any write that
 * read DynamoDB before the delete: a request in flight, or a geo rebuild (lock: GEO_REBUILD_LOCK_MS).
 */
export const TOMBSTONE_TTL_MS = 15 * 60 * 1000;
const GEO_REBUILD_LOCK_MS = 60_000;
/**
 * How long after start writes wait for the first Redis connection (a few round trips: handshake,
 * ready check, clock check) rather than count as missed; in a VPC it takes milliseconds.
 */
const FIRST_CONNECTION_BUDGET_MS = 2000;
/** Keys whose write-through failed; above this, reconnection clears every latest key instead. */
const MAX_DIRTY_KEYS = 10_000;
/**
 * Part of every geo index key (`vt:<env>:geo:<format>…`): a change of layout bumps it, so a new
 * release starts a fresh index beside the old one instead of misreading it.
 */
const GEO_FORMAT = '2';

export type CacheRead = { status: 'hit'; position: Position } | { status: 'miss' } | { status: 'bypass' };

export interface CacheHealth {
  readonly status: 'up' | 'degraded' | 'disabled';
  readonly latencyMs?: number;
  readonly error?: string;
}

/** Redis GEO cannot index latitudes beyond this (Web Mercator); such positions are searched in DynamoDB. */
export const REDIS_GEO_MAX_LAT = 85.05112878;

/**
 * Which state of a vehicle in DynamoDB a cache entry was taken from: its incarnation (`createdAt`:
 * a deleted and re-created id starts a new one) and its revision within it (advanced by the same
 * conditional update that changes the latest position or the fleet). Within an incarnation a greater
 * revision is newer. Incarnations are told apart, never ordered (clocks of two instances may
 * disagree): the one being written is the one DynamoDB has now, and a deleted one is refused by its
 * tombstone.
 */
export interface CacheVersion {
  readonly incarnation: number;
  readonly revision: number;
}

/** Every key the cache uses, under an environment's prefix (cacheKeyPrefix in config/names.ts). */
export function cacheKeys(prefix: string) {
  const geo = `${prefix}geo:${GEO_FORMAT}`;
  return {
    prefix,
    /** Hash: inc, rev, position (JSON); expires after LATEST_TTL_MS. */
    latest: (vehicleId: string) => `${prefix}latest:${vehicleId}`,
    /** The cache's clock (see checkClock). */
    seq: `${prefix}seq`,
    /** Geo set of vehicle ids, and their entries `incarnation|revision|fleet|position JSON`. */
    geo,
    geoEntries: `${geo}:entries`,
    /** Present while the geo index is trusted (GEO_INDEX_TTL_MS after a rebuild). */
    geoReady: `${geo}:ready`,
    geoRebuilding: `${geo}:rebuilding`,
    /**
     * Set of a vehicle's deleted incarnations; expires after TOMBSTONE_TTL_MS. (`gone:` held a
     * string in an earlier release: a new name, so neither release meets the other's type.)
     */
    tombstones: (vehicleId: string) => `${prefix}tombstones:${vehicleId}`,
  };
}
export type CacheKeys = ReturnType<typeof cacheKeys>;

/** Lua: may an entry stored at (i, r) be replaced by the offered one at (ARGV[1], ARGV[2])? */
const REPLACEABLE = `
local inc, rev = tonumber(ARGV[1]), tonumber(ARGV[2])
local function replaceable(i, r)
  i, r = tonumber(i), tonumber(r)
  return not i or not r or i ~= inc or r < rev
end
`;

/**
 * The one way an entry enters the cache: it replaces what is there only if it is newer (see
 * REPLACEABLE), in the latest hash and in the geo index independently, and never for an incarnation
 * that was deleted (its tombstone). Arrival order, concurrent writers, late fills from earlier reads
 * and rebuilds that read before a change therefore cannot put an older state back. Every write also
 * advances `seq`, the cache's own clock: a process remembers the highest value it saw, and finding
 * Redis behind it after a reconnect means Redis went back in time (see checkClock).
 * KEYS: latest hash, geo set, geo entries hash, tombstones (a set of deleted incarnations), seq.
 * ARGV: incarnation, revision, position JSON, ttl ms, vehicle id, lon, lat, fleet id ('' for none).
 * Returns { updated (0/1), seq }.
 */
const OFFER_ENTRY = `${REPLACEABLE}
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then
  return { 0, tonumber(redis.call('GET', KEYS[5]) or '0') }
end
local updated = 0
local current = redis.call('HMGET', KEYS[1], 'inc', 'rev')
if replaceable(current[1], current[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'inc', ARGV[1], 'rev', ARGV[2], 'position', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  updated = 1
end
local gi, gr = string.match(redis.call('HGET', KEYS[3], ARGV[5]) or '', '^(%d+)|(%d+)|')
if replaceable(gi, gr) then
  if math.abs(tonumber(ARGV[7])) <= ${REDIS_GEO_MAX_LAT} then
    redis.call('GEOADD', KEYS[2], ARGV[6], ARGV[7], ARGV[5])
  else
    redis.call('ZREM', KEYS[2], ARGV[5])
  end
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[8] .. '|' .. ARGV[3])
end
return { updated, redis.call('INCR', KEYS[5]) }
`;

/**
 * A vehicle's incarnation ARGV[1] was deleted: its entries go (a later incarnation's stay), and a
 * tombstone refuses that incarnation's writes for ARGV[3] ms.
 * KEYS: latest hash, geo set, geo entries hash, tombstones, seq. ARGV: incarnation, vehicle id, ttl ms.
 * Returns seq.
 */
const BURY = `
local function dead(i)
  return not tonumber(i) or i == ARGV[1]
end
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
if dead(redis.call('HGET', KEYS[1], 'inc')) then redis.call('DEL', KEYS[1]) end
if dead(string.match(redis.call('HGET', KEYS[3], ARGV[2]) or '', '^(%d+)|')) then
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
end
return redis.call('INCR', KEYS[5])
`;

/**
 * Removes geo entries a rebuild found gone from DynamoDB, each only if it is still exactly what the
 * rebuild saw before reading (one written since is newer and stays).
 * KEYS: geo set, geo entries hash. ARGV: vehicle id, entry, vehicle id, entry, ...
 */
const REMOVE_IF_UNCHANGED = `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    removed = removed + 1
  end
end
return removed
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

/** A latest position with the vehicle's fleet, as the geo index keeps it, and the state it was taken from. */
export interface LatestEntry {
  readonly position: Position;
  readonly fleetId?: string;
  readonly version: CacheVersion;
}

/** The cache entry for a vehicle as DynamoDB returned it, or undefined when it has no position yet. */
export function latestEntryOf(vehicle: Vehicle): LatestEntry | undefined {
  if (!vehicle.latest) return undefined;
  return { position: vehicle.latest, fleetId: vehicle.fleetId, version: versionOf(vehicle) };
}

export function versionOf(vehicle: Pick<Vehicle, 'createdAt' | 'revision'>): CacheVersion {
  return { incarnation: vehicle.createdAt, revision: vehicle.revision ?? 0 };
}

export interface GeoCandidate {
  readonly position: Position;
  readonly fleetId?: string;
}

/** How many candidates a nearby search needs, and which ones count (a fleet, the exact circle). */
export interface NearbyWanted {
  readonly count: number;
  readonly accept: (candidate: GeoCandidate) => boolean;
}

/** Extra nearest members fetched beyond what is wanted (see nearby). */
const NEARBY_SLACK = 8;

type OfferArgs = [string, string, string, string, string, number, number, string, string, string, number, number, string];

interface CacheCommands {
  offerEntry(...args: OfferArgs): Promise<[number, number]>;
  bury(...args: [string, string, string, string, string, number, string, number]): Promise<number>;
  removeIfUnchanged(geo: string, entries: string, ...pairs: string[]): Promise<number>;
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
  /** Whether this process has ever been connected (see usableForWrite). */
  private everReady = false;
  private firstConnection?: Promise<boolean>;

  private constructor(
    private readonly redis: (Redis & CacheCommands) | undefined,
    private readonly keys: CacheKeys,
    private readonly log: FastifyBaseLogger,
  ) {
    if (!redis) return;
    redis.defineCommand('offerEntry', { numberOfKeys: 5, lua: OFFER_ENTRY });
    redis.defineCommand('bury', { numberOfKeys: 5, lua: BURY });
    redis.defineCommand('removeIfUnchanged', { numberOfKeys: 2, lua: REMOVE_IF_UNCHANGED });
    redis.on('error', (error: Error) => {
      if (!this.outageLogged) log.warn({ err: error.message }, 'Redis unavailable: serving from DynamoDB until it is back');
      this.outageLogged = true;
    });
    redis.on('ready', () => {
      this.everReady = true;
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
    return new PositionCache(undefined, cacheKeys(''), log);
  }

  /** `keyPrefix`: see cacheKeyPrefix in config/names.ts. */
  static connect(url: string, options: { keyPrefix: string; password?: RedisPassword; log: FastifyBaseLogger }): PositionCache {
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
    const cache = new PositionCache(redis, cacheKeys(options.keyPrefix), options.log);
    // The first connection's deadline counts from start, not from the first write.
    cache.firstConnection = cache.waitUntilReady(FIRST_CONNECTION_BUDGET_MS);
    return cache;
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

  private usable(): boolean {
    return this.redis?.status === 'ready' && !this.verifying;
  }

  /**
   * For writes: a container's first connection may still be under way (Lambda does not wait for it
   * at cold start, so reads and /health go to DynamoDB meanwhile). A write waits for it rather than
   * count as missed, which would make the whole geo index be rebuilt after every cold start.
   */
  private async usableForWrite(): Promise<boolean> {
    if (this.usable()) return true;
    // One wait, bounded from start, shared by every write: a Redis that accepts the connection but
    // never answers (frozen) must not add to each write while it lasts.
    if (!this.everReady) await (this.firstConnection ??= this.waitUntilReady(FIRST_CONNECTION_BUDGET_MS));
    else if (this.verifying) await this.verifying;
    return this.usable();
  }

  /** After a reconnect: a clock behind what this process saw means every entry may be older than DynamoDB. */
  private async checkClock(): Promise<void> {
    try {
      // Another server process (a restart from a snapshot, a failover) is caught by every instance,
      // readers included; a clock behind what this process saw, by the ones that wrote.
      const [seqText, info] = await Promise.all([this.redis!.get(this.keys.seq), this.redis!.info('server')]);
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
    const key = this.keys.latest(vehicleId);
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

  /** The keys every entry script takes, in its order. */
  private entryKeys(vehicleId: string): [string, string, string, string, string] {
    return [this.keys.latest(vehicleId), this.keys.geo, this.keys.geoEntries, this.keys.tombstones(vehicleId), this.keys.seq];
  }

  private offerArgs(entry: LatestEntry): OfferArgs {
    const { position, version } = entry;
    return [
      ...this.entryKeys(position.vehicleId),
      version.incarnation,
      version.revision,
      JSON.stringify(position),
      String(LATEST_TTL_MS),
      position.vehicleId,
      position.lon,
      position.lat,
      entry.fleetId ?? '',
    ];
  }

  /**
   * Offers entries as DynamoDB holds them: after a write it accepted, a read, or a rebuild. Each
   * replaces the cached one only if newer by version (see OFFER_ENTRY), so any reader of DynamoDB
   * may offer what it read: one that saw a newer state than Redis has repairs it.
   * An offer that cannot reach Redis after a `write` leaves Redis behind DynamoDB (the key is then
   * bypassed and cleared, see markDirty); after a `read` it changes nothing and is dropped.
   */
  async offerLatest(entries: readonly LatestEntry[], after: 'write' | 'read'): Promise<void> {
    if (!this.redis || entries.length === 0) return;
    const keys = after === 'write' ? entries.map((entry) => this.keys.latest(entry.position.vehicleId)) : [];
    if (!(after === 'write' ? await this.usableForWrite() : this.usable())) return this.markDirty(keys);
    try {
      const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & { offerEntry(...args: OfferArgs): unknown };
      for (const entry of entries) pipeline.offerEntry(...this.offerArgs(entry));
      const results = (await pipeline.exec()) ?? [];
      for (const [error, reply] of results) if (!error) this.highestSeq = Math.max(this.highestSeq, Number((reply as [number, number])[1]));
      this.markDirty(keys.filter((_, i) => !results[i] || results[i][0]));
      if (this.dirty.size > 0) this.scheduleReconcile();
    } catch {
      this.markDirty(keys);
    }
  }

  /**
   * Candidates within `radiusMeters` from the geo index, or undefined when it cannot answer
   * correctly (no Redis, not built yet, possibly stale, or a circle beyond Redis' latitude range).
   * Callers then ask DynamoDB; a cold index is rebuilt in the background from `source`.
   */
  async nearby(
    lat: number,
    lon: number,
    radiusMeters: number,
    source: () => Promise<LatestEntry[]>,
    wanted: NearbyWanted = { count: Infinity, accept: () => true },
  ): Promise<GeoCandidate[] | undefined> {
    const redis = this.redis;
    if (!redis || !this.usable()) return undefined;
    if (this.geoStale || this.dirty.size > 0 || this.clearAllOnReconnect) {
      this.scheduleReconcile();
      return undefined;
    }
    const dLat = (radiusMeters / 6_371_008.8) * (180 / Math.PI);
    if (Math.abs(lat) + dLat > REDIS_GEO_MAX_LAT) return undefined;
    try {
      const [[, ready], [, ttl]] = (await redis.multi().get(this.keys.geoReady).pttl(this.keys.geoReady).exec()) as [[null, string | null], [null, number]];
      if (ready === null) {
        this.rebuildGeo(source);
        return undefined;
      }
      // Rebuilt ahead of expiry while still answering, so a searched index never goes cold.
      if (ttl < GEO_REFRESH_AHEAD_MS) this.rebuildGeo(source);
      // Nearest first, only as many as needed: COUNT grows (x4) until enough candidates pass the
      // caller's filter or the circle is exhausted. A few extra cover Redis' geohash rounding (under
      // a metre) reordering near-equal distances.
      let count = wanted.count + NEARBY_SLACK;
      for (;;) {
        const candidates = await this.geoCandidates(lat, lon, radiusMeters, count);
        const exhausted = !Number.isFinite(count) || candidates.searched < count;
        if (exhausted || candidates.found.filter(wanted.accept).length >= wanted.count + NEARBY_SLACK) return candidates.found;
        count *= 4;
      }
    } catch {
      return undefined;
    }
  }

  /** Up to `count` members nearest first (all within the circle when Infinity), with their entries. */
  private async geoCandidates(lat: number, lon: number, radiusMeters: number, count: number): Promise<{ searched: number; found: GeoCandidate[] }> {
    const redis = this.redis!;
    // A hair wider than asked: Redis measures on a slightly larger sphere; callers filter exactly.
    const radius = radiusMeters * 1.001 + 1;
    const members = (
      Number.isFinite(count)
        ? await redis.geosearch(this.keys.geo, 'FROMLONLAT', lon, lat, 'BYRADIUS', radius, 'm', 'ASC', 'COUNT', count)
        : await redis.geosearch(this.keys.geo, 'FROMLONLAT', lon, lat, 'BYRADIUS', radius, 'm', 'ASC')
    ) as string[];
    if (members.length === 0) return { searched: 0, found: [] };
    const values = await redis.hmget(this.keys.geoEntries, ...members);
    const found = values.flatMap((value) => {
      const entry = value ? parseGeoEntry(value) : undefined;
      return entry ? [{ position: entry.position, fleetId: entry.fleetId }] : [];
    });
    return { searched: members.length, found };
  }

  private rebuildGeo(source: () => Promise<LatestEntry[]>): void {
    const redis = this.redis;
    if (!redis || this.rebuilding) return;
    const lock = this.keys.geoRebuilding;
    this.rebuilding = (async () => {
      if ((await redis.set(lock, '1', 'PX', GEO_REBUILD_LOCK_MS, 'NX')) !== 'OK') return;
      try {
        // Entries before the read: one DynamoDB no longer has (deleted, or never stored) goes, unless
        // it changed meanwhile. Versions keep what was read from overwriting anything newer.
        const before = await this.geoEntries();
        const entries = await source();
        // Offered as writes: an entry that fails leaves the index incomplete, so it is not marked ready.
        for (let i = 0; i < entries.length; i += 500) await this.offerLatest(entries.slice(i, i + 500), 'write');
        const present = new Set(entries.map((entry) => entry.position.vehicleId));
        const gone = [...before].filter(([vehicleId]) => !present.has(vehicleId));
        let removed = 0;
        for (let i = 0; i < gone.length; i += 250) {
          removed += await redis.removeIfUnchanged(this.keys.geo, this.keys.geoEntries, ...gone.slice(i, i + 250).flat());
        }
        if (this.dirty.size === 0 && !this.geoStale) await redis.set(this.keys.geoReady, '1', 'PX', GEO_INDEX_TTL_MS);
        this.log.info({ vehicles: entries.length, removed }, 'Rebuilt the Redis geo index from DynamoDB');
      } finally {
        await redis.del(lock);
      }
    })()
      .catch((error: Error) => this.log.warn({ err: error.message }, 'Could not rebuild the Redis geo index; searches use DynamoDB'))
      .finally(() => {
        this.rebuilding = undefined;
      });
  }

  /** The geo index's entries, read in slices (HSCAN) so a large index never blocks Redis. */
  private async geoEntries(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis!.hscan(this.keys.geoEntries, cursor, 'COUNT', 1000);
      for (let i = 0; i < flat.length; i += 2) entries.set(flat[i], flat[i + 1]);
      cursor = next;
    } while (cursor !== '0');
    return entries;
  }

  /** Resolves when a background geo rebuild (if any) is done. */
  async geoRebuilt(): Promise<void> {
    await this.rebuilding;
  }

  /**
   * A vehicle was deleted; `deleted` is the version DynamoDB removed (undefined when there was none:
   * then nothing here can be about it, and a vehicle of that id being created meanwhile is left alone).
   * Its entries go, and a tombstone keeps that incarnation's writes out for TOMBSTONE_TTL_MS.
   */
  async forget(vehicleId: string, deleted: CacheVersion | undefined): Promise<void> {
    const key = this.keys.latest(vehicleId);
    if (!this.redis || !deleted) return;
    if (!(await this.usableForWrite())) {
      this.geoStale = true;
      return this.markDirty([key]);
    }
    try {
      const seq = await this.redis.bury(...this.entryKeys(vehicleId), deleted.incarnation, vehicleId, TOMBSTONE_TTL_MS);
      this.highestSeq = Math.max(this.highestSeq, seq);
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
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.keys.prefix}*`, 'COUNT', 500);
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
          const [next, keys] = await redis.scan(cursor, 'MATCH', this.keys.latest('*'), 'COUNT', 500);
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
        await redis.del(this.keys.geoReady);
        this.geoStale = false;
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'Could not clear possibly stale cache entries; will retry on reconnect');
    }
  }
}

/** A geo entry: `incarnation|revision|fleet id|position JSON`. */
const GEO_ENTRY = /^\d+\|\d+\|([^|]*)\|(\{.*)$/s;

function parseGeoEntry(value: string): { position: Position; fleetId?: string } | undefined {
  const match = GEO_ENTRY.exec(value);
  return match ? { position: JSON.parse(match[2]) as Position, fleetId: match[1] || undefined } : undefined;
}
