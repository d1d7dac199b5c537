import * as crypto from 'crypto';
import type { DynamoDBStreamEvent, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { EVENT_SOURCE, WEBHOOK_HEADERS } from '../../config/delivery';
import { tableName } from '../../config/names';
import { eventMessage } from '../../functions/api/delivery/event-message';
import { eventId, eventKey } from '../../functions/api/domain/events';
import { EventStore, StoredEvent, changed } from '../../functions/api/services/event-store';
import { ensureTables } from '../../functions/local/tables';
import { execFile } from 'child_process';
import { promisify } from 'util';
import { WebhookStore } from '../../functions/api/services/webhook-store';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaEnvironment } from '../helpers/lambda-env';
import { LocalEventBridge } from '../helpers/local-event-bridge';
import { WebhookReceiver } from '../helpers/webhook-receiver';

const execFileAsync = promisify(execFile);

/**
 * The delivery function as deployed: its handler invoked with what AWS sends it (the events table's
 * stream records, the bus rule's events, the retry queue's messages), its clients talking to a local
 * EventBridge and SQS on the wire, webhooks POSTed to a real receiver.
 */
describe('delivery function (vehicle-tracking-<env>-delivery)', () => {
  const environment = `dlfn${Date.now().toString(36)}`;
  const RETRY_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/retries';
  const DEAD_LETTERS = 'https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters';
  let dynamo: LocalDynamo;
  let aws: LocalEventBridge;
  let receiver: WebhookReceiver;
  let api: typeof import('../../functions/api/lambda');
  let delivery: typeof import('../../functions/delivery/lambda');
  let webhooks: WebhookStore;
  let db: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    aws = await LocalEventBridge.start();
    receiver = await WebhookReceiver.start();
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint), {
      EVENT_BUS_NAME: `vehicle-tracking-${environment}-events`,
      WEBHOOK_RETRY_QUEUE_URL: RETRY_QUEUE,
      WEBHOOK_DEAD_LETTER_QUEUE_URL: DEAD_LETTERS,
      WEBHOOK_RETRY_DELAYS_SECONDS: '10,60',
      EVENTBRIDGE_ENDPOINT: aws.endpoint,
      SQS_ENDPOINT: aws.endpoint,
    });
    api = await import('../../functions/api/lambda');
    delivery = await import('../../functions/delivery/lambda');
    db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
    webhooks = new WebhookStore(db, tableName(environment, 'webhooks'));
  });
  afterAll(async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
    delivery.closeContainer();
    await (await api.container()).close();
    db.destroy();
    await Promise.all([aws.close(), receiver.close(), dynamo.close()]);
  });
  beforeEach(() => {
    aws.published.length = 0;
    aws.sent.length = 0;
    receiver.received.length = 0;
  });

  // Milliseconds that EventBridge's envelope drops: the webhook body must keep them.
  const now = Math.floor(Date.now() / 1000) * 1000 + 123;
  const stored = (minute: number, overrides: Partial<StoredEvent> = {}): StoredEvent => {
    const ts = now - 60 * 60_000 + minute * 60_000;
    const key = eventKey(ts, 'geofenceEnter', 'depot');
    return changed({ id: eventId('van-7', key), vehicleId: 'van-7', eventKey: key, type: 'geofenceEnter', fleetId: 'north', eventDay: new Date(ts).toISOString().slice(0, 10), geofenceId: 'depot', geofenceName: 'Depot', ts, lat: 52.375, lon: 4.905, detectedAt: now, ...overrides }, overrides.retractedAt ?? now);
  };
  const streamBatch = (records: [string, StoredEvent][]): DynamoDBStreamEvent => ({
    Records: records.map(([eventName, item]) => ({ eventName: eventName as 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never } })),
  });
  const busEvent = (event: StoredEvent): EventBridgeEvent<string, ReturnType<typeof eventMessage>['detail']> => {
    const message = eventMessage(event);
    // As EventBridge delivers it: its own id, the time to the second.
    return { version: '0', id: crypto.randomUUID(), 'detail-type': message['detail-type'], source: message.source, account: '123456789012', time: message.time.replace(/\.\d{3}Z$/, 'Z'), region: 'us-east-1', resources: [], detail: message.detail };
  };
  const queueBatch = (bodies: string[]): SQSEvent => ({
    Records: bodies.map((body, i) => ({ messageId: `m-${i}`, body, eventSource: 'aws:sqs' }) as SQSEvent['Records'][number]),
  });
  const webhook = async (id: string, path: string) => {
    await webhooks.create({ id, url: receiver.url(path), enabled: true, secret: `whsec_${id}`, fleetId: 'north', createdAt: now, updatedAt: now, revision: 1 });
  };

  test('stream: every write of the events table is published once to the bus, Location-shaped; expiry is not', async () => {
    const raised = stored(1);
    const retracted = stored(2, { retractedAt: now + 5 });
    await delivery.handler(streamBatch([['INSERT', raised], ['MODIFY', retracted], ['REMOVE', stored(3)]]));
    expect(aws.published.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual([
      [`vehicle-tracking-${environment}-events`, EVENT_SOURCE, 'Location Geofence Event'],
      [`vehicle-tracking-${environment}-events`, EVENT_SOURCE, 'Location Geofence Event'],
    ]);
    const details = aws.published.map((entry) => JSON.parse(entry.Detail));
    expect(details).toEqual([eventMessage(raised).detail, eventMessage(retracted).detail]);
    expect(details.map((d) => [d.EventType, d.change, d.GeofenceId, d.DeviceId])).toEqual([['ENTER', 'raised', 'depot', 'van-7'], ['ENTER', 'retracted', 'depot', 'van-7']]);
  });

  test('stream: entries EventBridge refuses are sent again; refused to the end, the batch fails (the shard retries it)', async () => {
    aws.refuse = [1, 1];
    await delivery.handler(streamBatch([['INSERT', stored(4)], ['INSERT', stored(5)]]));
    expect(aws.published.map((entry) => JSON.parse(entry.Detail).event.id).sort()).toEqual([stored(4).id, stored(5).id].sort());

    aws.refuse = [1, 1, 1, 1, 1];
    await expect(delivery.handler(streamBatch([['INSERT', stored(6)]]))).rejects.toThrow(/refused 1 of 1/);
    aws.refuse = [];
  });

  test('bus rule: the change is POSTed to the webhooks that want it; a failing one waits in the retry queue', async () => {
    await webhook('wh-ok', '/ok');
    await webhook('wh-down', '/down');
    await webhooks.create({ id: 'wh-south', url: receiver.url('/south'), enabled: true, secret: 'whsec_s', fleetId: 'south', createdAt: now, updatedAt: now, revision: 1 });
    receiver.broken.add('/down');
    process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'true'; // the receiver is on this machine
    delivery.closeContainer();
    try {
      const event = stored(7);
      await delivery.handler(busEvent(event));
      expect(receiver.received.map((d) => [d.path, d.status])).toEqual(expect.arrayContaining([['/ok', 200], ['/down', 500]]));
      expect(receiver.received).toHaveLength(2);
      const ok = receiver.received.find((d) => d.path === '/ok')!;
      expect(ok.json).toEqual({ ...eventMessage(event) });
      expect(ok.json.time).toMatch(/\.123Z$/);
      expect(ok.headers[WEBHOOK_HEADERS.delivery]).toBe(eventMessage(event).id);

      expect(aws.sent).toHaveLength(1);
      expect(aws.sent[0]).toMatchObject({ QueueUrl: RETRY_QUEUE, DelaySeconds: 10 });
      expect(JSON.parse(aws.sent[0].MessageBody)).toMatchObject({ webhookId: 'wh-down', attempt: 2, message: { id: eventMessage(event).id } });
    } finally {
      receiver.broken.delete('/down');
    }
  });

  test('retry queue: one attempt per message; after the last, a dead letter; deleted webhooks and strangers are dropped', async () => {
    const message = eventMessage(stored(8));
    receiver.broken.add('/down');
    try {
      const answer = await delivery.handler(
        queueBatch([
          JSON.stringify({ webhookId: 'wh-ok', message, attempt: 2 }),
          JSON.stringify({ webhookId: 'wh-down', message, attempt: 2 }),
          JSON.stringify({ webhookId: 'wh-down', message, attempt: 3 }),
          JSON.stringify({ webhookId: 'wh-gone', message, attempt: 2 }),
          'not a delivery',
        ]),
      );
      expect(answer).toEqual({ batchItemFailures: [] });
      expect(receiver.received.map((d) => [d.path, d.headers[WEBHOOK_HEADERS.attempt]]).sort()).toEqual([['/down', '2'], ['/down', '3'], ['/ok', '2']]);
      expect(aws.sent.map((m) => [m.QueueUrl, m.DelaySeconds ?? 0, JSON.parse(m.MessageBody).attempt]).sort()).toEqual([
        [DEAD_LETTERS, 0, 3],
        [RETRY_QUEUE, 60, 3],
      ]);
      expect(JSON.parse(aws.sent.find((m) => m.QueueUrl === DEAD_LETTERS)!.MessageBody).lastError).toContain('HTTP 500');
    } finally {
      receiver.broken.delete('/down');
    }
  });

  test('npm run republish-events publishes again exactly the changes made in the window, with their first ids', async () => {
    // The command names a configured environment: its events table, in this local DynamoDB.
    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await ensureTables(raw, 'test-70v');
    raw.destroy();
    const store = new EventStore(db, tableName('test-70v', 'events'), 30);
    const at = (minutes: number) => now - 30 * 60_000 + minutes * 60_000;
    const [before, inside, after] = [0, 10, 20].map((minute) => ({ ...stored(minute), ...changed(stored(minute), at(minute)) }));
    await store.putAll([before, inside, after]);

    const run = await execFileAsync('npx', ['tsx', 'scripts/republish-events.ts', 'test-70v', '--since', new Date(at(10)).toISOString(), '--until', new Date(at(10)).toISOString()], {
      env: { ...process.env, DYNAMODB_ENDPOINT: dynamo.endpoint, EVENTBRIDGE_ENDPOINT: aws.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      timeout: 60_000,
    });
    expect(run.stdout).toContain('vehicle-tracking-test-70v-events: 1 change(s)');
    expect(aws.published.map((entry) => [entry.EventBusName, JSON.parse(entry.Detail)])).toEqual([['vehicle-tracking-test-70v-events', eventMessage(inside).detail]]);
  }, 90_000);

  test('npm run republish-events --dead-letters publishes the changes every letter stands for, then deletes those letters', async () => {
    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await ensureTables(raw, 'test-70v');
    raw.destroy();
    const store = new EventStore(db, tableName('test-70v', 'events'), 30);
    const at = (minutes: number) => now - 3 * 60 * 60_000 + minutes * 60_000;
    // A: in a stream batch given up on; B: a bus event the function gave up on; C: one a bus rule gave up on; D: in no letter.
    const [a, b, c, d] = [100, 110, 120, 130].map((minute) => ({ ...stored(minute), ...changed(stored(minute), at(minute - 90)) }));
    await store.putAll([a, b, c, d]);
    aws.letters('vehicle-tracking-test-70v-delivery-dlq', [
      JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted' }, DDBStreamBatchInfo: { approximateArrivalOfFirstRecord: new Date(at(10)).toISOString(), approximateArrivalOfLastRecord: new Date(at(10)).toISOString() } }),
      JSON.stringify({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: busEvent(b) }),
      'not a letter this command knows',
    ]);
    aws.letters('vehicle-tracking-test-70v-bus-dead-letters', [JSON.stringify(busEvent(c))]);

    const run = await execFileAsync('npx', ['tsx', 'scripts/republish-events.ts', 'test-70v', '--dead-letters'], {
      env: { ...process.env, DYNAMODB_ENDPOINT: dynamo.endpoint, EVENTBRIDGE_ENDPOINT: aws.endpoint, SQS_ENDPOINT: aws.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      timeout: 60_000,
    });
    expect(run.stdout).toContain('3 change(s) of 3 dead letter(s) published again');
    expect(run.stdout).toContain('1 letter(s) not understood were left');
    expect(aws.published.map((entry) => JSON.parse(entry.Detail).changeId).sort()).toEqual([a, b, c].map((event) => eventMessage(event).id).sort());
    expect(aws.queues.get('vehicle-tracking-test-70v-delivery-dlq')!.map((letter) => letter.body)).toEqual(['not a letter this command knows']);
    expect(aws.queues.get('vehicle-tracking-test-70v-bus-dead-letters')).toEqual([]);
  }, 90_000);

  test('the API refuses webhook URLs a deployed function must never reach', async () => {
    const call = async (body: unknown) => {
      const response = await api.handler(restApiEvent({ method: 'POST', path: '/webhooks', body, stage: 'test-70v' }), lambdaContext());
      return { status: response.statusCode, json: JSON.parse(response.body || 'null') };
    };
    for (const url of ['http://hooks.example.com/x', 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://localhost/x', 'https://[::ffff:10.0.0.1]/x']) {
      const answer = await call({ url });
      expect([url, answer.status, answer.json.errors?.[0]?.field]).toEqual([url, 400, 'url']);
    }
    expect((await call({ url: 'https://hooks.example.com/vehicle-events' })).status).toBe(201);
  });
});
