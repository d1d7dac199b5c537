import Redis from 'ioredis';
import {
  GEO_INDEX_TTL_MS,
  GEO_REFRESH_AHEAD_MS,
  LATEST_TTL_MS,
  LatestEntry,
  TOMBSTONE_TTL_MS,
  latestEntryOf,
} from '../../functions/api/services/position-cache';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config/names';
import { ensureTables } from '../../functions/local/tables';
import { VehicleStore } from '../../functions/api/services/vehicle-store';
import { ThrowawayRedis } from '../helpers/redis';
import { eventually } from '../helpers/eventually';
import { TestApp, cacheKeysOf, createVehicle, iso, startTestApp } from '../helpers/test-app';

const MIN = 60_000;

/**
 * The cache's versions (see ARCHITECTURE.md, "The cache's consistency contract"): every entry is
 * ordered by the vehicle's incarnation and revision in DynamoDB, so whatever read DynamoDB before a
 * change (a geo rebuild, a slow reader, another instance) cannot put the older state back.
 */
describe('cache entries are versioned by DynamoDB', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  let client: Redis;
  const keys = () => cacheKeysOf(t);

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ redisUrl: redis.url });
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await t.close();
    await redis.stop();
  });

  const report = async (id: string, lat: number, ts = Date.now() - MIN) => {
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 7, timestamp: iso(ts) } });
    expect(response.statusCode).toBe(200);
  };
  const place = async (fleetId: string, lat: number) => {
    const { id } = await createVehicle(t.app, { fleetId });
    await report(id, lat);
    return id;
  };
  const nearbyIds = async (fleetId: string, lat: number) => {
    const response = await t.app.inject({ method: 'GET', url: `/positions/nearby?lat=${lat}&lon=7&radius=2000&fleetId=${fleetId}` });
    expect(response.statusCode).toBe(200);
    return { source: response.headers['x-cache'], ids: response.json().items.map((item: { vehicleId: string }) => item.vehicleId) };
  };
  const everyEntry = async () => (await t.services.vehicles.allWithPosition()).flatMap((vehicle) => latestEntryOf(vehicle) ?? []);
  /** A geo rebuild whose DynamoDB read is taken, then `meanwhile` runs before it writes back. */
  const rebuildAround = async (meanwhile: () => Promise<void>) => {
    await client.del(keys().geoReady);
    const source = async (): Promise<LatestEntry[]> => {
      const read = await everyEntry();
      await meanwhile();
      return read;
    };
    expect(await t.services.cache.nearby(0, 0, 10, source)).toBeUndefined();
    await t.services.cache.geoRebuilt();
    expect(await client.get(keys().geoReady)).not.toBeNull();
  };

  test('a vehicle deleted while a geo rebuild runs does not come back', async () => {
    const gone = await place('race-del', 30);
    const stays = await place('race-del', 30.001);
    await rebuildAround(async () => {
      expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${gone}` })).statusCode).toBe(204);
    });
    expect(await nearbyIds('race-del', 30)).toEqual({ source: 'hit', ids: [stays] });
    expect(await client.hexists(keys().geoEntries, gone)).toBe(0);
  });

  test('a vehicle moved to another fleet while a geo rebuild runs keeps its new fleet', async () => {
    const moved = await place('race-from', 31);
    await rebuildAround(async () => {
      expect((await t.app.inject({ method: 'PATCH', url: `/vehicles/${moved}`, payload: { fleetId: 'race-to' } })).statusCode).toBe(200);
    });
    expect(await nearbyIds('race-from', 31)).toEqual({ source: 'hit', ids: [] });
    expect(await nearbyIds('race-to', 31)).toEqual({ source: 'hit', ids: [moved] });
  });

  test('a rebuild that finds a vehicle gone leaves the entry of a vehicle created again meanwhile', async () => {
    const { id } = await createVehicle(t.app, { id: 'race-recreated', fleetId: 'race-new' });
    await report(id, 32);
    // Deleted while this instance could not reach Redis: the old entry is still in the index.
    await t.services.vehicles.delete(id);
    await rebuildAround(async () => {
      // After the rebuild's read (which lacks the vehicle), before its clean-up: created again, reporting.
      await createVehicle(t.app, { id, fleetId: 'race-new' });
      await report(id, 32.001);
    });
    expect(await nearbyIds('race-new', 32.001)).toEqual({ source: 'hit', ids: [id] });
  });

  test('a late fill for a deleted vehicle is refused by its tombstone; a new vehicle of the same id passes it', async () => {
    const { id } = await createVehicle(t.app, { id: 'tombstoned', fleetId: 'tomb' });
    await report(id, 33);
    const slowRead = latestEntryOf((await t.services.vehicles.get(id))!)!;
    expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}` })).statusCode).toBe(204);
    const tombstoneTtl = await client.pttl(keys().tombstones(id));
    expect(await client.smembers(keys().tombstones(id))).toHaveLength(1);
    expect(tombstoneTtl).toBeGreaterThan(TOMBSTONE_TTL_MS - 10_000);

    await t.services.cache.offerLatest([slowRead], 'read');
    expect(await client.exists(keys().latest(id))).toBe(0);
    expect(await client.hexists(keys().geoEntries, id)).toBe(0);

    await createVehicle(t.app, { id, fleetId: 'tomb' });
    await report(id, 33.5);
    expect(JSON.parse((await client.hget(keys().latest(id), 'position'))!)).toMatchObject({ lat: 33.5 });
    // The old incarnation stays refused: a late fill of it cannot replace the new vehicle's entry.
    await t.services.cache.offerLatest([slowRead], 'read');
    expect(JSON.parse((await client.hget(keys().latest(id), 'position'))!)).toMatchObject({ lat: 33.5 });
  });

  test('a reader of DynamoDB repairs an entry another instance failed to update', async () => {
    const { id } = await createVehicle(t.app);
    await report(id, 34);
    // Another instance stored a newer latest, and its write to Redis was lost (it froze, or was cut off).
    const stored = (await t.services.vehicles.get(id))!;
    const newer = { ...stored.latest!, lat: 34.5, ts: stored.latest!.ts + 1000 };
    expect(await t.services.vehicles.setLatestIfNewer(newer, stored.createdAt)).toMatchObject({ status: 'updated', vehicle: { revision: (stored.revision ?? 0) + 1 } });

    const stale = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    expect({ cache: stale.headers['x-cache'], lat: stale.json().lat }).toEqual({ cache: 'hit', lat: 34 });
    expect((await t.app.inject({ method: 'GET', url: `/vehicles/${id}` })).json().position.lat).toBe(34.5);
    // The repair runs beside the answer (never delaying it).
    await eventually(async () => (await client.hget(keys().latest(id), 'position'))?.includes('"lat":34.5') ?? false, 2000);
    const repaired = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    expect({ cache: repaired.headers['x-cache'], lat: repaired.json().lat }).toEqual({ cache: 'hit', lat: 34.5 });
  });

  test('a latest position meant for a vehicle deleted and created again meanwhile does not land on the new one', async () => {
    const { id } = await createVehicle(t.app, { id: 'incarnations' });
    const first = (await t.services.vehicles.get(id))!;
    await t.services.vehicles.delete(id);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a new incarnation: another createdAt
    await createVehicle(t.app, { id });
    const position = { vehicleId: id, ts: Date.now() - MIN, lat: 36, lon: 7, receivedAt: Date.now() };
    const second = (await t.services.vehicles.get(id))!;
    expect(await t.services.vehicles.setLatestIfNewer(position, first.createdAt)).toEqual({ status: 'recreated', createdAt: second.createdAt });
    expect((await t.services.vehicles.get(id))!.latest).toBeUndefined();
  });

  test('a searched index is rebuilt ahead of expiry and keeps answering meanwhile', async () => {
    const id = await place('warm', 35);
    await nearbyIds('warm', 35);
    await t.services.cache.geoRebuilt();
    await client.pexpire(keys().geoReady, GEO_REFRESH_AHEAD_MS - 1000);
    // Changed in DynamoDB only, as by an instance cut off from Redis: the refresh must pick it up.
    const stored = (await t.services.vehicles.get(id))!;
    await t.services.vehicles.setLatestIfNewer({ ...stored.latest!, lat: 35.001, ts: stored.latest!.ts + 1 }, stored.createdAt);

    expect(await nearbyIds('warm', 35)).toEqual({ source: 'hit', ids: [id] });
    await t.services.cache.geoRebuilt();
    expect(await client.pttl(keys().geoReady)).toBeGreaterThan(GEO_INDEX_TTL_MS - 10_000);
    const entry = await client.hget(keys().geoEntries, id);
    expect(entry).toContain('"lat":35.001');
  });

  test('a fleet move between an ingest\'s existence check and its latest update still reaches the geo index', async () => {
    const id = await place('move-during-ingest-a', 37);
    const before = (await t.services.vehicles.get(id))!;
    // The ingest read the vehicle (fleet a); a PATCH moves it to fleet b; then its latest update lands.
    expect((await t.app.inject({ method: 'PATCH', url: `/vehicles/${id}`, payload: { fleetId: 'move-during-ingest-b' } })).statusCode).toBe(200);
    const updated = await t.services.vehicles.setLatestIfNewer({ ...before.latest!, lat: 37.001, ts: before.latest!.ts + 1000 }, before.createdAt);
    if (updated.status !== 'updated') throw new Error(`expected the update to land, got ${updated.status}`);
    expect(updated.vehicle.fleetId).toBe('move-during-ingest-b');
    await t.services.cache.offerLatest([latestEntryOf(updated.vehicle)!], 'write');
    expect(await nearbyIds('move-during-ingest-a', 37)).toEqual({ source: 'hit', ids: [] });
    expect(await nearbyIds('move-during-ingest-b', 37)).toEqual({ source: 'hit', ids: [id] });
  });

  test('a vehicle created again at an earlier createdAt (another instance\'s clock behind) is cached, not refused', async () => {
    const { id } = await createVehicle(t.app, { id: 'clock-skew', fleetId: 'skew' });
    await report(id, 38);
    const deleted = (await t.services.vehicles.get(id))!;
    expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}` })).statusCode).toBe(204);
    await t.services.registry.register({ id, name: 'again', type: 'car', fleetId: 'skew' }, deleted.createdAt - 5);
    await report(id, 38.5);
    expect(JSON.parse((await client.hget(keys().latest(id), 'position'))!)).toMatchObject({ lat: 38.5 });
    expect(await nearbyIds('skew', 38.5)).toEqual({ source: 'hit', ids: [id] });
  });

  test('a DELETE of an id that does not exist leaves a vehicle of that id being created alone', async () => {
    const { id } = await createVehicle(t.app, { id: 'not-yet' });
    await report(id, 39);
    await t.services.cache.forget(id, undefined); // what DELETE does when DynamoDB had nothing
    expect(await client.hget(keys().latest(id), 'position')).toContain('"lat":39');
  });

  test('a cached latest position expires within LATEST_TTL_MS (the bound for writes no process could deliver)', async () => {
    const { id } = await createVehicle(t.app);
    await report(id, 39.5);
    const ttl = await client.pttl(keys().latest(id));
    expect(ttl).toBeGreaterThan(LATEST_TTL_MS - 10_000);
    expect(ttl).toBeLessThanOrEqual(LATEST_TTL_MS);
  });

  test('after a point-in-time restore of the vehicles table, nothing cached from the old table is served', async () => {
    const { id } = await createVehicle(t.app);
    await report(id, 40, Date.now() - 3 * MIN);
    const anHourAgo = (await t.services.vehicles.get(id))!;
    await report(id, 41, Date.now() - 2 * MIN);
    expect(await client.hget(keys().latest(id), 'position')).toContain('"lat":41');

    // The restored table holds the older state; the release points the API at it (tableNameOverrides).
    const restoredName = tableName(`${t.config.environment}r`, 'vehicles');
    const db = new DynamoDBClient({ endpoint: t.config.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await ensureTables(db, `${t.config.environment}r`);
    await new VehicleStore(DynamoDBDocumentClient.from(db), restoredName).create(anHourAgo);
    db.destroy();
    const restored = await startTestApp({ shareWith: t, redisUrl: redis.url, vehiclesTable: restoredName });
    try {
      const read = await restored.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
      expect({ cache: read.headers['x-cache'], lat: read.json().lat }).toEqual({ cache: 'miss', lat: 40 });
      const later = await restored.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 42, lon: 7, timestamp: iso(Date.now() - MIN) } });
      expect(later.statusCode).toBe(200);
      const after = await restored.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
      expect({ cache: after.headers['x-cache'], lat: after.json().lat }).toEqual({ cache: 'hit', lat: 42 });
    } finally {
      await restored.close();
    }
  });
});
