import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../functions/local/tables';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GEO_TILE_PRECISION } from '../../config/tables';
import { cellBounds, distanceMeters, geohash, minDistanceToCell } from '../../functions/api/domain/geo';
import type { FaultyDynamoProxy } from '../../functions/local/faults/faulty-dynamo-proxy';
import { TEST_DYNAMODB } from '../helpers/dynamo';
import { FaultyTestApp, createVehicle, startTestApp, startTestAppBehindFaultyProxy } from '../helpers/test-app';

/** A deterministic pseudo-random sequence (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the lower bound that lets a nearby search stop early', () => {
  test('is never more than the distance to any point of the cell (anywhere on Earth, across the antimeridian)', () => {
    const next = random(7);
    const violations: object[] = [];
    for (let i = 0; i < 50_000; i++) {
      const lat = next() * 170 - 85;
      const lon = next() * 360 - 180;
      // A cell near the point (a few cells away, or across the antimeridian), and a point inside it.
      const cellLat = Math.max(-89.9, Math.min(89.9, lat + (next() - 0.5) * 0.5));
      const cellLon = (((lon + (next() - 0.5) * 0.8 + 540) % 360) - 180);
      const cell = geohash(cellLat, cellLon, GEO_TILE_PRECISION);
      const b = cellBounds(cell);
      // Points on the cell's edges (the nearest point of a cell is on one) and one inside it.
      const f = next();
      const points = [
        [b.latMin + f * (b.latMax - b.latMin), b.lonMin],
        [b.latMin + f * (b.latMax - b.latMin), b.lonMax],
        [b.latMin, b.lonMin + f * (b.lonMax - b.lonMin)],
        [b.latMax, b.lonMin + f * (b.lonMax - b.lonMin)],
        [b.latMin + next() * (b.latMax - b.latMin), b.lonMin + next() * (b.lonMax - b.lonMin)],
      ];
      const bound = minDistanceToCell(lat, lon, cell);
      for (const [qLat, qLon] of points) {
        const distance = distanceMeters(lat, lon, qLat, qLon);
        if (bound > distance + 0.01) violations.push({ lat, lon, cell, bound, distance });
      }
    }
    expect(violations.slice(0, 3)).toEqual([]);
  });

  test('is 0 inside the cell and grows with the gap', () => {
    const cell = geohash(52.37, 4.89, GEO_TILE_PRECISION);
    expect(minDistanceToCell(52.37, 4.89, cell)).toBe(0);
    const b = cellBounds(cell);
    expect(minDistanceToCell(b.latMax + 0.1, 4.89, cell)).toBeCloseTo(distanceMeters(b.latMax + 0.1, 4.89, b.latMax, 4.89), -1);
  });
});

describe('GET /positions/nearby without Redis (byGeoTile, nearest tiles first)', () => {
  let proxy: FaultyDynamoProxy;
  let t: FaultyTestApp;
  beforeAll(async () => {
    t = await startTestAppBehindFaultyProxy(); // no Redis: every search is the fallback
    ({ proxy } = t);
  });
  afterAll(() => t.close());

  const place = async (points: { lat: number; lon: number; fleetId: string }[]) => {
    const placed: { id: string; lat: number; lon: number; fleetId: string }[] = [];
    const batch = [];
    for (const point of points) {
      const { id } = await createVehicle(t.app, { fleetId: point.fleetId });
      placed.push({ id, ...point });
      batch.push({ vehicleId: id, lat: point.lat, lon: point.lon, timestamp: Date.now() - 60_000 });
    }
    for (let i = 0; i < batch.length; i += 500) {
      expect((await t.app.inject({ method: 'POST', url: '/positions', payload: batch.slice(i, i + 500) })).statusCode).toBe(200);
    }
    return placed;
  };
  const search = async (query: { lat: number; lon: number; radius: number; limit: number; fleetId?: string }) => {
    const qs = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])));
    const response = await t.app.inject({ method: 'GET', url: `/positions/nearby?${qs}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-cache']).toBe('bypass');
    return response.json().items as { vehicleId: string; distanceMeters: number }[];
  };
  const bruteForce = (placed: { id: string; lat: number; lon: number; fleetId: string }[], query: { lat: number; lon: number; radius: number; limit: number; fleetId?: string }) =>
    placed
      .filter((p) => !query.fleetId || p.fleetId === query.fleetId)
      .map((p) => ({ vehicleId: p.id, distanceMeters: distanceMeters(query.lat, query.lon, p.lat, p.lon) }))
      .filter((p) => p.distanceMeters <= query.radius)
      .sort((a, b) => a.distanceMeters - b.distanceMeters || (a.vehicleId < b.vehicleId ? -1 : 1))
      .slice(0, query.limit);

  test('a dense fleet\'s nearest vehicles cost one wave of small queries, not the whole area', async () => {
    const next = random(11);
    // 300 vehicles within ~1.5 km of a depot, in an area of tiles a 20 km circle covers over 100 of.
    const placed = await place(Array.from({ length: 300 }, () => ({ lat: 48.85 + (next() - 0.5) * 0.02, lon: 2.35 + (next() - 0.5) * 0.03, fleetId: 'depot' })));
    const query = { lat: 48.85, lon: 2.35, radius: 20_000, limit: 10 };
    proxy.operations.clear();
    const items = await search(query);
    expect(items).toEqual(bruteForce(placed, query).map((p) => expect.objectContaining(p)));
    expect(proxy.operations.get('Query')).toBeLessThanOrEqual(8);
    expect(proxy.operations.get('Scan')).toBeUndefined();
  });

  test('the same answer as reading everything, over random fleets, points, radii and limits', async () => {
    const next = random(23);
    const placed = await place(
      Array.from({ length: 250 }, () => ({ lat: -33.9 + (next() - 0.5) * 0.6, lon: 151.2 + (next() - 0.5) * 0.7, fleetId: next() < 0.3 ? 'sparse' : 'busy' })),
    );
    for (let i = 0; i < 25; i++) {
      const query = {
        lat: -33.9 + (next() - 0.5) * 0.6,
        lon: 151.2 + (next() - 0.5) * 0.7,
        radius: Math.round(500 + next() * 60_000),
        limit: 1 + Math.floor(next() * 30),
        fleetId: next() < 0.5 ? (next() < 0.5 ? 'sparse' : 'busy') : undefined,
      };
      expect({ query, items: await search(query) }).toEqual({ query, items: bruteForce(placed, query).map((p) => expect.objectContaining(p)) });
    }
  });

  test('vehicles written before byGeoTile existed are found once npm run backfill-geo-tiles has run', async () => {
    const [parked] = await place([{ lat: 64.13, lon: -21.9, fleetId: 'upgrade' }]);
    // As an earlier release left it: a latest position, no tile.
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: t.config.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));
    await db.send(new UpdateCommand({ TableName: t.config.vehiclesTable, Key: { vehicleId: parked.id }, UpdateExpression: 'REMOVE geoTile' }));
    const query = { lat: 64.13, lon: -21.9, radius: 1000, limit: 5, fleetId: 'upgrade' };
    expect(await search(query)).toEqual([]);
    expect(await t.services.vehicles.fillMissingGeoTiles()).toBe(1);
    expect(await search(query)).toEqual([expect.objectContaining({ vehicleId: parked.id })]);
    expect(await t.services.vehicles.fillMissingGeoTiles()).toBe(0); // safe to run again
    db.destroy();
  });

});

describe('released before the apply that adds byGeoTile (or while DynamoDB fills it)', () => {
  test('nearby without Redis answers from byGeoCell instead of failing; DynamoDB Local adds the index to a kept data set (dynalite cannot)', async () => {
    const t = await startTestApp();
    const client = new DynamoDBClient({ endpoint: t.config.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    try {
      // The vehicles table as the previous release created it: no byGeoTile.
      await client.send(new DeleteTableCommand({ TableName: t.config.vehiclesTable }));
      await client.send(
        new CreateTableCommand({
          TableName: t.config.vehiclesTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['vehicleId', 'fleetId', 'geoCell'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          KeySchema: [{ AttributeName: 'vehicleId', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            { IndexName: 'byFleet', KeySchema: [{ AttributeName: 'fleetId', KeyType: 'HASH' }, { AttributeName: 'vehicleId', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
            { IndexName: 'byGeoCell', KeySchema: [{ AttributeName: 'geoCell', KeyType: 'HASH' }, { AttributeName: 'vehicleId', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
          ],
        }),
      );
      for (let i = 0; i < 100; i++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: t.config.vehiclesTable }));
        if (Table?.TableStatus === 'ACTIVE') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { id } = await createVehicle(t.app, { fleetId: 'old-table' });
      expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 10, lon: 10, timestamp: Date.now() - 60_000 } })).statusCode).toBe(200);
      const response = await t.app.inject({ method: 'GET', url: '/positions/nearby?lat=10&lon=10&radius=1000&fleetId=old-table' });
      expect(response.statusCode).toBe(200);
      expect(response.json().items).toEqual([expect.objectContaining({ vehicleId: id })]);

      // DynamoDB Local adds the index to the kept table (dynalite cannot: searches keep using cells).
      const added = await ensureTables(client, t.config.environment);
      expect(added).toEqual(TEST_DYNAMODB === 'dynamodb-local' ? [`${t.config.vehiclesTable}/byGeoTile`] : []);
      expect(await ensureTables(client, t.config.environment)).toEqual([]);
    } finally {
      client.destroy();
      await t.close();
    }
  });
});
