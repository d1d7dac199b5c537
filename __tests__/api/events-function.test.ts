import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { lambdaEnvironment } from '../helpers/lambda-env';
import { createDocumentClient } from '../../functions/api/services/dynamo-client';
import { markForReplay } from '../../scripts/replay/mark-for-replay';

/**
 * The events function as deployed: its handler, given the DynamoDB stream records the positions
 * table emits for what the API function stored (which, as in AWS, evaluates nothing itself).
 */
describe('events function (vehicle-tracking-<env>-events)', () => {
  let dynamo: LocalDynamo;
  let api: typeof import('../../functions/api/lambda');
  let events: typeof import('../../functions/events/lambda');
  let raw: DynamoDBClient;
  const environment = `evfn${Date.now().toString(36)}`;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint));
    api = await import('../../functions/api/lambda');
    events = await import('../../functions/events/lambda');
    raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    raw.destroy();
    events.closeContainer();
    await (await api.container()).close();
    await dynamo.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await api.handler(restApiEvent({ method, path, body, stage: 'test-70v' }), lambdaContext());
    return { status: response.statusCode, json: JSON.parse(response.body || 'null') };
  };
  /** The stream records of a vehicle's stored fixes, as the positions table emits them (NEW_IMAGE). */
  async function streamRecords(vehicleId: string, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT') {
    const { Items } = await raw.send(
      new QueryCommand({ TableName: `vehicle-tracking-${environment}-positions`, KeyConditionExpression: 'vehicleId = :v', ExpressionAttributeValues: { ':v': { S: vehicleId } } }),
    );
    return (Items ?? []).map((image, i) => ({ eventID: `${vehicleId}-${i}`, eventName, eventSource: 'aws:dynamodb', dynamodb: { NewImage: image as never, SequenceNumber: String(i) } }));
  }

  test('stream batches in any order, with repeats, give the log of in-order evaluation; the API alone raises nothing', async () => {
    const square = [[4.9, 52.37], [4.91, 52.37], [4.91, 52.38], [4.9, 52.38], [4.9, 52.37]];
    expect((await call('POST', '/geofences', { id: 'depot', name: 'Depot', fleetId: 'north', geometry: { type: 'Polygon', coordinates: [square] } })).status).toBe(201);
    expect((await call('POST', '/vehicles', { id: 'van-7', name: 'Van 7', fleetId: 'north' })).status).toBe(201);
    const start = Date.now() - 20 * 60_000;
    const fixes = [false, true, true, false, true].map((inside, i) => ({ lat: inside ? 52.375 : 52.3, lon: 4.905, timestamp: start + i * 60_000 }));
    expect((await call('POST', '/vehicles/van-7/positions', fixes)).status).toBe(200);
    expect((await call('GET', `/vehicles/van-7/events?since=${start}`)).json.items).toEqual([]);

    const records = await streamRecords('van-7');
    expect(records).toHaveLength(5);
    // Shard order is not fix order: the last fixes first, then everything again (a retried batch).
    await events.handler({ Records: [records[4], records[2]] } as DynamoDBStreamEvent);
    await events.handler({ Records: [records[0], records[3], records[1]] } as DynamoDBStreamEvent);
    await events.handler({ Records: records } as DynamoDBStreamEvent);
    const log = (await call('GET', `/vehicles/van-7/events?since=${start}`)).json.items as { type: string; timestamp: string }[];
    expect(log.map((e) => [e.type, Date.parse(e.timestamp)])).toEqual([
      ['geofenceEnter', start + 60_000],
      ['geofenceExit', start + 3 * 60_000],
      ['geofenceEnter', start + 4 * 60_000],
    ]);
  });

  test('npm run replay-events marks exactly the fixes received in the window; their MODIFY records re-derive lost events', async () => {
    expect((await call('POST', '/vehicles', { id: 'van-8', name: 'Van 8', fleetId: 'north' })).status).toBe(201);
    const start = Date.now() - 10 * 60_000;
    const early = { lat: 52.3, lon: 4.905, timestamp: start };
    expect((await call('POST', '/vehicles/van-8/positions', early)).status).toBe(200);
    const windowStart = Date.now();
    expect((await call('POST', '/vehicles/van-8/positions', { lat: 52.375, lon: 4.905, timestamp: start + 60_000 })).status).toBe(200);
    const windowEnd = Date.now();
    // The batch carrying them was dead-lettered: no events. The operator replays its arrival window.
    const db = createDocumentClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
    const marked = await markForReplay(db, `vehicle-tracking-${environment}-positions`, { since: windowStart, until: windowEnd }, Date.now());
    db.destroy();
    expect(marked).toBe(1);
    const modified = (await streamRecords('van-8', 'MODIFY')).filter((r) => 'replayedAt' in (r.dynamodb.NewImage as object));
    expect(modified).toHaveLength(1);
    await events.handler({ Records: modified } as DynamoDBStreamEvent);
    const log = (await call('GET', `/vehicles/van-8/events?since=${start}`)).json.items;
    expect(log.map((e: { type: string; timestamp: string }) => [e.type, Date.parse(e.timestamp)])).toEqual([['geofenceEnter', start + 60_000]]);
    // The mark is bookkeeping: history does not show it.
    const history = (await call('GET', '/vehicles/van-8/positions')).json.items;
    expect(history.every((p: object) => !('replayedAt' in p))).toBe(true);
  });

  test('expiry (REMOVE records) raises nothing, and a batch for a deleted vehicle is a no-op', async () => {
    expect((await call('POST', '/vehicles', { id: 'gone-1', name: 'Gone', fleetId: 'north' })).status).toBe(201);
    expect((await call('POST', '/vehicles/gone-1/positions', { lat: 52.375, lon: 4.905, timestamp: Date.now() - 60_000 })).status).toBe(200);
    const records = await streamRecords('gone-1');
    await events.handler({ Records: await streamRecords('gone-1', 'REMOVE') } as DynamoDBStreamEvent);
    expect((await call('GET', '/vehicles/gone-1/events')).json.items).toEqual([]);
    expect((await call('DELETE', '/vehicles/gone-1')).status).toBe(204);
    await events.handler({ Records: records } as DynamoDBStreamEvent);
    expect((await call('GET', '/events?vehicleId=gone-1')).json.items).toEqual([]);
  });
});
