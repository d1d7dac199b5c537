import * as http from 'http';
import type { AddressInfo } from 'net';
import pino from 'pino';
import { WEBHOOK_TIMEOUT_MS } from '../../config/delivery';
import { eventMessage } from '../../functions/api/delivery/event-message';
import { InProcessRetries, LoggedDeadLetters } from '../../functions/api/delivery/retry-queues';
import { WebhookDelivery } from '../../functions/api/delivery/webhook-delivery';
import { WebhookDirectory } from '../../functions/api/delivery/webhook-directory';
import { WebhookSender } from '../../functions/api/delivery/webhook-sender';
import { eventId, eventKey } from '../../functions/api/domain/events';
import { changed } from '../../functions/api/services/event-store';
import { createServices } from '../../functions/api/services';
import { localApiConfig } from '../../functions/local/api-config';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, summarize } from './stats';

const ENVIRONMENT = 'benchdelivery';
const MESSAGES = 1000;
const IN_FLIGHT = 10;
const RUNS = 7;

/**
 * What the delivery function does per change for a webhook: match it, sign it, POST it and check the
 * answer (nothing is written while the receiver answers 2xx), 10 in flight, against bare POSTs of the
 * same bodies to the same local receiver (no matching, no signature).
 */
export async function benchDelivery(stack: Stack): Promise<Measurement[]> {
  await stack.tables(ENVIRONMENT);
  const log = pino({ level: 'silent' });
  const services = createServices(localApiConfig({ environment: ENVIRONMENT, dynamodbEndpoint: stack.dynamoEndpoint, eventSource: 'stream' }), { log });
  const receiver = http.createServer((req, res) => req.resume().on('end', () => res.end('ok')));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    const now = Date.now();
    await services.webhooks.create({ id: 'bench', url, fleetId: 'north', enabled: true, secret: 'whsec_bench', createdAt: now, updatedAt: now, revision: 1 });
    const delivery = new WebhookDelivery(
      new WebhookDirectory(services.webhooks),
      services.webhooks,
      new WebhookSender({ allowPrivateTargets: true, timeoutMs: WEBHOOK_TIMEOUT_MS }),
      new InProcessRetries(log),
      new LoggedDeadLetters(),
      [10],
      log,
    );
    const messages = Array.from({ length: MESSAGES }, (_, i) => {
      const ts = now - i * 1000;
      const key = eventKey(ts, 'geofenceEnter', 'depot');
      return eventMessage(
        changed({ id: eventId('van-7', key), vehicleId: 'van-7', eventKey: key, type: 'geofenceEnter', fleetId: 'north', eventDay: '2026-11-29', geofenceId: 'depot', geofenceName: 'Depot', ts, lat: 52.37, lon: 4.9, detectedAt: now }, now),
      );
    });
    const bare = (body: string) =>
      new Promise<void>((resolve, reject) => {
        const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => response.resume().on('end', resolve));
        request.on('error', reject);
        request.end(body);
      });
    const rate = (send: (i: number) => Promise<void>) => async () => {
      const started = performance.now();
      for (let i = 0; i < MESSAGES; i += IN_FLIGHT) await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, MESSAGES - i) }, (_, j) => send(i + j)));
      return MESSAGES / ((performance.now() - started) / 1000);
    };
    const ours = rate((i) => delivery.deliver(messages[i]));
    const baseline = rate((i) => bare(JSON.stringify(messages[i])));
    await ours();
    await baseline(); // warm
    const rates = await interleaved(RUNS, ours, baseline);
    return [
      {
        group: 'delivery',
        path: `webhook deliveries/s, ${IN_FLIGHT} in flight, to a local receiver`,
        unit: 'deliveries/s',
        better: 'higher',
        ours: summarize(rates.ours),
        baseline: summarize(rates.baseline),
        baselineIs: 'bare HTTP POSTs of the same bodies (no matching, no signature)',
      },
    ];
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await services.close();
  }
}
