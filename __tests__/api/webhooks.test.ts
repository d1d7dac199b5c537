import * as fs from 'fs';
import * as path from 'path';
import { MAX_WEBHOOKS, WEBHOOK_HEADERS } from '../../config/delivery';
import { verifySignature } from '../../functions/api/delivery/signature';
import { WebhookSender } from '../../functions/api/delivery/webhook-sender';
import { TestApp, createVehicle, iso, startTestApp } from '../helpers/test-app';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Issue 13, push delivery: the dev server delivers webhooks for real (the same WebhookDelivery the
 * delivery function runs in AWS), to receivers on real ports, with retries on short delays.
 */
const RETRY_DELAYS = [0.05, 0.1, 0.15];
let t: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  t = await startTestApp({ webhookRetryDelaysSeconds: RETRY_DELAYS });
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await t.services.localDelivery!.settled();
  await t.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.answers = [];
});

const SEC = 1000;
let count = 0;
const unique = (prefix: string) => `${prefix}-${++count}-${Date.now().toString(36)}`;
const square = (lon: number, lat: number, size: number) => [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]];
const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as object });
const createWebhook = async (body: Record<string, unknown>) => {
  const response = await inject('POST', '/webhooks', { url: receiver.url(), ...body });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; secret: string };
};
/** Everything evaluated, published, attempted and retried. */
const settled = async () => {
  await t.services.eventFeed.settled();
  await t.services.localDelivery!.settled();
};

/** A fleet with a depot, one vehicle, and fixes `inside` or not at minutes from a base 30 minutes ago. */
async function depotFleet() {
  const fleetId = unique('fleet');
  const depot = unique('depot');
  expect((await inject('POST', '/geofences', { id: depot, name: 'Depot', fleetId, geometry: { type: 'Polygon', coordinates: [square(4.9, 52.37, 0.01)] } })).statusCode).toBe(201);
  const { id } = await createVehicle(t.app, { fleetId });
  const base = Date.now() - 30 * 60 * SEC;
  const fix = (minute: number, inside: boolean) => ({ lat: inside ? 52.375 : 52.3, lon: 4.905, timestamp: iso(base + minute * 60 * SEC) });
  const send = async (...fixes: ReturnType<typeof fix>[]) => expect((await inject('POST', `/vehicles/${id}/positions`, fixes)).statusCode).toBe(200);
  return { fleetId, depot, vehicleId: id, fix, send };
}

describe('webhooks: the API', () => {
  test('create answers the secret once; read, list by fleet, change, pause, delete', async () => {
    const fleetId = unique('fleet');
    const created = await inject('POST', '/webhooks', { url: receiver.url(), description: 'Dispatch board', fleetId, eventTypes: ['geofenceEnter', 'geofenceExit'] });
    expect(created.statusCode).toBe(201);
    const webhook = created.json();
    expect(webhook).toMatchObject({ url: receiver.url(), description: 'Dispatch board', fleetId, vehicleIds: null, eventTypes: ['geofenceEnter', 'geofenceExit'], enabled: true, failingSince: null, lastError: null });
    expect(webhook.id).toMatch(/^wh_[a-z2-7]{20}$/);
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.location).toBe(`/webhooks/${webhook.id}`);

    const read = (await inject('GET', `/webhooks/${webhook.id}`)).json();
    expect(read.secret).toBeUndefined();
    expect(read.secretHint).toBe(`…${webhook.secret.slice(-4)}`);
    expect((await inject('GET', `/webhooks?fleetId=${fleetId}`)).json().items.map((w: { id: string }) => w.id)).toEqual([webhook.id]);

    const changed = await inject('PATCH', `/webhooks/${webhook.id}`, { enabled: false, eventTypes: null, description: null });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ enabled: false, eventTypes: null, description: null, fleetId });

    expect((await inject('DELETE', `/webhooks/${webhook.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/webhooks/${webhook.id}`)).statusCode).toBe(404);
    expect((await inject('DELETE', `/webhooks/${webhook.id}`)).statusCode).toBe(404);
  });

  test.each([
    ['no URL', 'url', {}],
    ['a relative URL', 'url', { url: '/hook' }],
    ['ftp', 'url', { url: 'ftp://hooks.example.com/x' }],
    ['credentials in the URL', 'url', { url: 'https://user:pw@hooks.example.com/x' }],
    ['an unknown event type', 'eventTypes[0]', { url: 'https://hooks.example.com/x', eventTypes: ['teleport'] }],
    ['a fleet and vehicles together', 'vehicleIds', { url: 'https://hooks.example.com/x', fleetId: 'north', vehicleIds: ['van-1'] }],
    ['an unknown field', 'colour', { url: 'https://hooks.example.com/x', colour: 'red' }],
  ])('%s is a 400 naming %s, and nothing is stored', async (_what, field, body) => {
    const before = (await inject('GET', '/webhooks')).json().items.length;
    const response = await inject('POST', '/webhooks', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field).join(' ')).toContain(field);
    expect((await inject('GET', '/webhooks')).json().items).toHaveLength(before);
  });

  test(`an environment holds at most ${MAX_WEBHOOKS} webhooks: the next is a 409`, async () => {
    const other = await startTestApp();
    try {
      await Promise.all(Array.from({ length: MAX_WEBHOOKS }, () => other.app.inject({ method: 'POST', url: '/webhooks', payload: { url: receiver.url() } })));
      const over = await other.app.inject({ method: 'POST', url: '/webhooks', payload: { url: receiver.url() } });
      expect(over.statusCode).toBe(409);
      expect(over.json().detail).toContain(`${MAX_WEBHOOKS}`);
    } finally {
      await other.close();
    }
  });
});

describe('webhooks: delivery', () => {
  test('an enter is POSTed once, signed, in Amazon Location\'s geofence event shape', async () => {
    const { fleetId, depot, vehicleId, fix, send } = await depotFleet();
    const { secret } = await createWebhook({ fleetId });
    await send(fix(0, false), fix(1, true));
    await settled();

    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery.json).toMatchObject({
      source: 'vehicle-tracking',
      'detail-type': 'Location Geofence Event',
      detail: {
        EventType: 'ENTER',
        GeofenceId: depot,
        DeviceId: vehicleId,
        SampleTime: fix(1, true).timestamp,
        Position: [4.905, 52.375],
        GeofenceProperties: { name: 'Depot' },
        change: 'raised',
        event: { type: 'geofenceEnter', vehicleId, fleetId, geofenceId: depot, retractedAt: null },
      },
    });
    expect(delivery.headers[WEBHOOK_HEADERS.delivery]).toBe(delivery.json.id);
    expect(delivery.headers[WEBHOOK_HEADERS.attempt]).toBe('1');
    const signature = String(delivery.headers[WEBHOOK_HEADERS.signature]);
    expect(verifySignature(signature, delivery.body, secret, Math.floor(Date.now() / 1000))).toBe(true);
    // A tampered body, another secret, or an old timestamp do not verify.
    expect(verifySignature(signature, delivery.body.replace('ENTER', 'EXIT'), secret, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySignature(signature, delivery.body, `${secret}x`, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySignature(signature, delivery.body, secret, Math.floor(Date.now() / 1000) + 600)).toBe(false);

    // The same fixes again: nothing changes in the log, nothing is delivered.
    await send(fix(0, false), fix(1, true));
    await settled();
    expect(receiver.received).toHaveLength(1);
  });

  test('a late fix: the receiver hears the retraction and the replacement naming it in supersedes', async () => {
    const { fleetId, fix, send } = await depotFleet();
    await createWebhook({ fleetId });
    await send(fix(0, false), fix(10, true));
    await settled();
    const [first] = receiver.received.map((d) => d.json);
    expect(first.detail).toMatchObject({ EventType: 'ENTER', change: 'raised' });

    await send(fix(5, true));
    await settled();
    const later = receiver.received.slice(1).map((d) => d.json.detail);
    expect(later).toHaveLength(2);
    const retraction = later.find((d) => d.change === 'retracted')!;
    const replacement = later.find((d) => d.change === 'raised')!;
    expect(retraction.event).toMatchObject({ id: first.detail.event.id, retractedAt: expect.any(String) });
    expect(replacement).toMatchObject({ EventType: 'ENTER', SampleTime: fix(5, true).timestamp, event: { supersedes: [first.detail.event.id] } });
    // Each change has its own id: a receiver that drops repeats by id still gets all three.
    expect(new Set(receiver.received.map((d) => d.json.id)).size).toBe(3);
  });

  test('types, scope and pausing: a webhook gets only what it asked for', async () => {
    const { fleetId, fix, send } = await depotFleet();
    const exits = await createWebhook({ fleetId, eventTypes: ['geofenceExit'], url: receiver.url('/exits') });
    await createWebhook({ fleetId: unique('other-fleet'), url: receiver.url('/other') });
    const paused = await createWebhook({ fleetId, url: receiver.url('/paused') });
    expect((await inject('PATCH', `/webhooks/${paused.id}`, { enabled: false })).statusCode).toBe(200);
    await send(fix(0, false), fix(1, true), fix(2, false));
    await settled();
    expect(receiver.received.map((d) => [d.headers[WEBHOOK_HEADERS.webhook], d.json.detail.EventType])).toEqual([[exits.id, 'EXIT']]);
  });

  test('a receiver that fails twice gets the same delivery a third time; failingSince comes and goes', async () => {
    const { fleetId, fix, send } = await depotFleet();
    const { id } = await createWebhook({ fleetId });
    receiver.answers = [500, 503];
    await send(fix(0, false), fix(1, true));
    await t.services.eventFeed.settled();
    await t.services.localDelivery!.published();
    // After the first failure, before the retries: the webhook says it is failing, and why.
    const failing = (await inject('GET', `/webhooks/${id}`)).json();
    expect(failing.failingSince).toEqual(expect.any(String));
    expect(failing.lastError).toContain('HTTP 500');
    await settled();

    expect(receiver.received.map((d) => [d.status, d.headers[WEBHOOK_HEADERS.attempt]])).toEqual([[500, '1'], [503, '2'], [200, '3']]);
    expect(new Set(receiver.received.map((d) => d.headers[WEBHOOK_HEADERS.delivery])).size).toBe(1);
    expect(new Set(receiver.received.map((d) => d.body)).size).toBe(1);
    expect((await inject('GET', `/webhooks/${id}`)).json()).toMatchObject({ failingSince: null, lastError: null });
  });

  test('a receiver that never recovers: dead-lettered after every attempt; a healthy webhook is not repeated', async () => {
    const { fleetId, fix, send } = await depotFleet();
    const broken = await createWebhook({ fleetId, url: receiver.url('/broken') });
    const healthy = await createWebhook({ fleetId, url: receiver.url('/healthy') });
    const letters = t.services.localDelivery!.deadLetters.letters;
    const before = letters.length;
    receiver.broken.add('/broken');
    try {
      await send(fix(0, false), fix(1, true));
      await settled();
    } finally {
      receiver.broken.delete('/broken');
    }
    const to = (path: string) => receiver.received.filter((d) => d.path === path);
    expect(to('/broken').map((d) => d.headers[WEBHOOK_HEADERS.attempt])).toEqual(['1', '2', '3', '4']); // 1 + one per retry delay
    expect(to('/healthy')).toHaveLength(1);
    expect(letters.slice(before)).toEqual([expect.objectContaining({ webhookId: broken.id, attempt: RETRY_DELAYS.length + 1, lastError: expect.stringContaining('HTTP 500') })]);
    expect((await inject('GET', `/webhooks/${broken.id}`)).json()).toMatchObject({ failingSince: expect.any(String), lastError: expect.stringContaining('HTTP 500') });
    expect((await inject('GET', `/webhooks/${healthy.id}`)).json().failingSince).toBeNull();
    // Pointed at a new receiver, the webhook starts with a clean record.
    expect((await inject('PATCH', `/webhooks/${broken.id}`, { url: receiver.url('/fixed') })).json()).toMatchObject({ failingSince: null, lastError: null });
  });

  test('a delivery state written between an edit\'s read and its write makes the edit retry, not write the old state back', async () => {
    const { id } = await createWebhook({ enabled: false }); // paused: the other tests' deliveries are not its
    const read = (await t.services.webhooks.get(id))!;
    await t.services.webhooks.recordOutcome(id, { ok: false, at: Date.now(), error: 'HTTP 500' });
    expect(await t.services.webhooks.replace({ ...read, description: 'stale edit' }, read.revision)).toBe(false);
    expect((await inject('PATCH', `/webhooks/${id}`, { description: 'fresh edit' })).json()).toMatchObject({ description: 'fresh edit', lastError: 'HTTP 500' });
  });
});

describe('webhooks: secrets and hostile receivers', () => {
  test('a rotated secret: deliveries carry both signatures for the overlap, each verifies with its own secret', async () => {
    const { fleetId, fix, send } = await depotFleet();
    const { id, secret: old } = await createWebhook({ fleetId });
    const rotated = await inject('POST', `/webhooks/${id}/secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret: fresh } = rotated.json();
    expect(fresh).not.toBe(old);
    expect((await inject('GET', `/webhooks/${id}`)).json().secretHint).toBe(`…${fresh.slice(-4)}`);
    await send(fix(0, false), fix(1, true));
    await settled();
    const [delivery] = receiver.received;
    const signature = String(delivery.headers[WEBHOOK_HEADERS.signature]);
    expect(signature.match(/v1=/g)).toHaveLength(2);
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect([verifySignature(signature, delivery.body, fresh, nowSeconds), verifySignature(signature, delivery.body, old, nowSeconds)]).toEqual([true, true]);
  });

  test('with private targets refused (AWS), a name or address that reaches this machine gets nothing', async () => {
    const sender = new WebhookSender({ allowPrivateTargets: false, timeoutMs: 2000 });
    const refused = await Promise.all([receiver.url(), `http://localhost:${receiver.port}/hook`, `http://[::ffff:127.0.0.1]:${receiver.port}/hook`].map((url) => sender.send(url, '{}', {})));
    expect(refused.map((result) => [result.ok, result.error?.startsWith('refused')])).toEqual([[false, true], [false, true], [false, true]]);
    expect(receiver.received).toHaveLength(0);
  });

  test('a receiver that never answers fails the attempt at the timeout; a redirect is a failure, not followed', async () => {
    const sender = new WebhookSender({ allowPrivateTargets: true, timeoutMs: 200 });
    receiver.hang = true;
    try {
      const result = await sender.send(receiver.url(), '{}', {});
      expect(result).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
      expect(result.ms).toBeLessThan(1500);
    } finally {
      receiver.hang = false;
    }
    receiver.answers = [302];
    expect(await sender.send(receiver.url(), '{"a":1}', {})).toMatchObject({ ok: false, status: 302, error: 'HTTP 302: redirects are not followed' });
  });
});

test('the verification snippet in help/EVENTS.md accepts a real delivery and refuses a tampered one', async () => {
  const markdown = fs.readFileSync(path.join(__dirname, '..', '..', 'help', 'EVENTS.md'), 'utf8');
  const code = /<!-- verify-snippet -->\n```js\n([\s\S]*?)```/.exec(markdown)![1];
  const verify = new Function('require', `${code}\nreturn verify;`)(require) as (headers: object, body: string, secret: string) => boolean;
  const { fleetId, fix, send } = await depotFleet();
  const { secret } = await createWebhook({ fleetId });
  await send(fix(0, false), fix(1, true));
  await settled();
  const [delivery] = receiver.received;
  expect(verify(delivery.headers, delivery.body, secret)).toBe(true);
  expect(verify(delivery.headers, delivery.body.replace('"raised"', '"retracted"'), secret)).toBe(false);
  expect(verify({}, delivery.body, secret)).toBe(false);
});
