import type { ScheduledEvent } from 'aws-lambda';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { lambdaEnvironment } from '../helpers/lambda-env';

/** The status function as deployed: its handler, invoked with the schedule's event, against what the API function stored. */
describe('status function (vehicle-tracking-<env>-status)', () => {
  let dynamo: LocalDynamo;
  let api: typeof import('../../functions/api/lambda');
  let status: typeof import('../../functions/status/lambda');
  const environment = `stfn${Date.now().toString(36)}`;
  const MIN = 60_000;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint), { OFFLINE_AFTER_MINUTES: '10' });
    api = await import('../../functions/api/lambda');
    status = await import('../../functions/status/lambda');
  });
  afterAll(async () => {
    status.closeContainer();
    await (await api.container()).close();
    await dynamo.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await api.handler(restApiEvent({ method, path, body, stage: 'test-70v' }), lambdaContext());
    return { status: response.statusCode, json: JSON.parse(response.body || 'null') };
  };
  const tick = (at: number) => status.handler({ time: new Date(at).toISOString(), source: 'aws.events', 'detail-type': 'Scheduled Event' } as ScheduledEvent);
  const events = async (id: string) => (await call('GET', `/vehicles/${id}/events?since=${Date.now() - 2 * 60 * MIN}&until=${Date.now() + 2 * 60 * MIN}`)).json.items as { type: string; timestamp: string }[];

  test('silent past the threshold: deviceOffline once, at the moment it crossed; a fix after: deviceOnline once', async () => {
    expect((await call('POST', '/vehicles', { id: 'van-9', name: 'Van 9', fleetId: 'north' })).status).toBe(201);
    expect((await call('POST', '/vehicles/van-9/positions', { lat: 52.3, lon: 4.9, timestamp: Date.now() - 1000 })).status).toBe(200);
    const seen = Date.parse((await call('GET', '/vehicles/van-9')).json.lastSeenAt);

    expect(await tick(seen + 5 * MIN)).toMatchObject({ offline: 0, online: 0 });
    expect(await tick(seen + 11 * MIN)).toMatchObject({ offline: 1 });
    expect(await tick(seen + 12 * MIN)).toMatchObject({ offline: 0 }); // already said
    expect((await events('van-9')).map((e) => [e.type, Date.parse(e.timestamp)])).toEqual([['deviceOffline', seen + 10 * MIN]]);

    expect((await call('POST', '/vehicles/van-9/positions', { lat: 52.31, lon: 4.9, timestamp: Date.now() })).status).toBe(200);
    const back = Date.parse((await call('GET', '/vehicles/van-9')).json.lastSeenAt);
    const [first, again] = [await tick(back + MIN), await tick(back + 2 * MIN)];
    expect([first.online, again.online]).toEqual([1, 0]);
    // (Listed by event time: here the sweeps' clock runs ahead of the real one the second fix arrived by.)
    const both = (await events('van-9')).map((e) => [e.type, Date.parse(e.timestamp)]);
    expect(both).toHaveLength(2);
    expect(both).toEqual(expect.arrayContaining([['deviceOffline', seen + 10 * MIN], ['deviceOnline', back]]));
  });

  test('two sweeps at once raise each event once; a vehicle that never reported raises nothing', async () => {
    expect((await call('POST', '/vehicles', { id: 'van-10', name: 'Van 10' })).status).toBe(201);
    expect((await call('POST', '/vehicles', { id: 'quiet', name: 'Quiet' })).status).toBe(201);
    expect((await call('POST', '/vehicles/van-10/positions', { lat: 52.3, lon: 4.9, timestamp: Date.now() - 1000 })).status).toBe(200);
    const seen = Date.parse((await call('GET', '/vehicles/van-10')).json.lastSeenAt);
    await Promise.all([tick(seen + 11 * MIN), tick(seen + 11 * MIN), tick(seen + 11 * MIN)]);
    expect((await events('van-10')).map((e) => e.type)).toEqual(['deviceOffline']);
    expect(await events('quiet')).toEqual([]);
  });
});
