import { TRACKER_DEFAULTS } from '../../config/trackers';
import { FleetSettings } from '../../functions/api/services/fleet-settings';
import type { FleetStore } from '../../functions/api/services/fleet-store';
import pino from 'pino';
import { IngestService } from '../../functions/api/services/ingest';
import { PositionCache } from '../../functions/api/services/position-cache';
import type { PositionStore } from '../../functions/api/services/position-store';
import type { VehicleStore } from '../../functions/api/services/vehicle-store';
import type { FaultyDynamoProxy } from '../../functions/local/faults/faulty-dynamo-proxy';
import { FaultyTestApp, TestApp, createVehicle, iso, startTestApp, startTestAppBehindFaultyProxy } from '../helpers/test-app';

/**
 * A tracker's fix to a vehicle this process already knows costs two DynamoDB round trips (history,
 * then the conditional latest update), not three; and what another process did to the vehicle
 * meanwhile (deleted it, created it again) is still answered right.
 */
describe('single-fix ingest', () => {
  let proxy: FaultyDynamoProxy;
  let a: FaultyTestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestAppBehindFaultyProxy();
    ({ proxy } = a);
    b = await startTestApp({ shareWith: a }); // another instance (Lambda container) of the same deployment
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const MIN = 60_000;
  const fix = (app: TestApp, id: string, lat: number, ago: number) =>
    app.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 4, timestamp: iso(Date.now() - ago) } });
  const operationsOf = async (request: () => Promise<unknown>) => {
    proxy.operations.clear();
    await request();
    return Object.fromEntries(proxy.operations);
  };

  test('a known vehicle\'s fix is two round trips: history and the conditional latest update', async () => {
    const { id } = await createVehicle(a.app);
    expect(await operationsOf(() => fix(a, id, 1, 3 * MIN))).toEqual({ BatchGetItem: 1, BatchWriteItem: 1, UpdateItem: 1 });
    expect(await operationsOf(() => fix(a, id, 2, 2 * MIN))).toEqual({ BatchWriteItem: 1, UpdateItem: 1 });
    // Out of order: still two (DynamoDB returns the item that failed the condition; an emulator that
    // does not costs one read more).
    const older = await operationsOf(() => fix(a, id, 0, 4 * MIN));
    expect(older).toMatchObject({ BatchWriteItem: 1, UpdateItem: 1 });
    expect(older.BatchGetItem).toBeUndefined();
    expect((await a.app.inject({ method: 'GET', url: `/vehicles/${id}` })).json().position.lat).toBe(2);
  });

  test('a vehicle another instance deleted is a 404 here too, even while this one still remembers it', async () => {
    const { id } = await createVehicle(a.app);
    expect((await fix(a, id, 1, 3 * MIN)).statusCode).toBe(200);
    expect((await b.app.inject({ method: 'DELETE', url: `/vehicles/${id}` })).statusCode).toBe(204);
    const response = await fix(a, id, 2, 2 * MIN);
    expect(response.statusCode).toBe(404);
    expect(response.json().errors).toEqual([{ field: 'vehicleId', message: `vehicle ${id} does not exist` }]);
    expect((await fix(a, id, 3, MIN)).statusCode).toBe(404);
  });

  test('a vehicle another instance deleted and created again gets the fix as its own', async () => {
    const { id } = await createVehicle(a.app, { id: 'reborn' });
    expect((await fix(a, id, 1, 3 * MIN)).statusCode).toBe(200);
    expect((await b.app.inject({ method: 'DELETE', url: `/vehicles/${id}` })).statusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 5)); // another createdAt
    await createVehicle(b.app, { id });
    expect((await fix(a, id, 2, 2 * MIN)).statusCode).toBe(200);
    const vehicle = (await b.app.inject({ method: 'GET', url: `/vehicles/${id}` })).json();
    expect(vehicle.position).toMatchObject({ lat: 2 });
    const history = (await b.app.inject({ method: 'GET', url: `/vehicles/${id}/positions` })).json().items;
    expect(history.map((p: { lat: number }) => p.lat)).toEqual([2]); // the first vehicle's fix is not shown
  });
});

describe('a vehicle deleted and created again after a fix arrived, before its latest update', () => {
  test('does not get that fix as its latest: it was sent to the deleted vehicle (404)', async () => {
    const now = Date.now();
    const vehicles = {
      existing: async () => new Map([['v1', { id: 'v1', createdAt: now - 60_000 }]]),
      // The id now belongs to a vehicle created after this request was received.
      setLatestIfNewer: async () => ({ status: 'recreated', createdAt: now + 5 }),
    } as unknown as VehicleStore;
    const positions = { putAll: async () => new Map() } as unknown as PositionStore;
    const log = pino({ level: 'silent' });
    const fleets = new FleetSettings({ getMany: async () => new Map() } as unknown as FleetStore, TRACKER_DEFAULTS.positionFilter, log);
    const ingest = new IngestService(vehicles, positions, PositionCache.disabled(log), { retentionDays: 30 }, fleets);
    await expect(ingest.ingest([{ vehicleId: 'v1', field: '', input: { lat: 1, lon: 2, timestamp: now - 1000 } }], now)).rejects.toMatchObject({ status: 404 });
  });
});
