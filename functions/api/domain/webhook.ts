import * as net from 'net';
import type { EventType } from './events';
import { appliesTo } from './geofence';
import type { FieldError } from './errors';

/** A webhook as stored (the webhooks table item, with `webhookId` as `id`). */
export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly description?: string;
  /** Only these event types; all when absent. */
  readonly eventTypes?: readonly EventType[];
  /** Only this fleet's events; with neither fleetId nor vehicleIds, every vehicle's. */
  readonly fleetId?: string;
  readonly vehicleIds?: readonly string[];
  readonly enabled: boolean;
  /** Signs every delivery (HMAC-SHA256). Returned once, when created or rotated. */
  readonly secret: string;
  /** The secret before the last rotation: deliveries carry its signature too until `previousSecretUntil`. */
  readonly previousSecret?: string;
  readonly previousSecretUntil?: number;
  /** Set at the first failed attempt after a success, cleared by the next success. */
  readonly failingSince?: number;
  readonly lastError?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly revision: number;
}

/** Whether the webhook wants this event (a change of it: raised or retracted). */
export function wants(webhook: Webhook, event: { readonly type: EventType; readonly vehicleId: string; readonly fleetId?: string }): boolean {
  if (!webhook.enabled) return false;
  if (webhook.eventTypes && !webhook.eventTypes.includes(event.type)) return false;
  return appliesTo(webhook, { id: event.vehicleId, fleetId: event.fleetId });
}

/** The secrets a delivery at `now` is signed with: the current one, and the previous one during the overlap. */
export function signingSecrets(webhook: Webhook, now: number): string[] {
  return webhook.previousSecret && (webhook.previousSecretUntil ?? 0) > now ? [webhook.secret, webhook.previousSecret] : [webhook.secret];
}

export function toWebhookView(webhook: Webhook) {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description ?? null,
    eventTypes: webhook.eventTypes ?? null,
    fleetId: webhook.fleetId ?? null,
    vehicleIds: webhook.vehicleIds ?? null,
    enabled: webhook.enabled,
    /** Never the secret itself after creation: its last 4 characters, to tell secrets apart. */
    secretHint: `…${webhook.secret.slice(-4)}`,
    failingSince: webhook.failingSince === undefined ? null : new Date(webhook.failingSince).toISOString(),
    lastError: webhook.lastError ?? null,
    createdAt: new Date(webhook.createdAt).toISOString(),
    updatedAt: new Date(webhook.updatedAt).toISOString(),
  };
}

/**
 * Addresses a webhook may not reach when private targets are refused (AWS): loopback, the VPC's
 * private ranges (the cache lives there), link-local (instance metadata), carrier-grade NAT,
 * multicast and reserved space, and IPv6's equivalents (NAT64 and 6to4 can wrap any of them).
 */
const PRIVATE = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['100::', 64]] as const) {
  PRIVATE.addSubnet(address, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true; // not an address: refuse rather than guess
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * What is wrong with a webhook URL, or undefined. With private targets refused, it must be https and
 * may not name localhost or a private address (names that resolve to one are refused when sending).
 */
export function webhookUrlProblem(url: string, allowPrivateTargets: boolean): FieldError | undefined {
  const problem = (message: string): FieldError => ({ field: 'url', message });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return problem('must be an absolute URL, e.g. https://hooks.example.com/vehicle-events');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return problem('must be an http(s) URL');
  if (!allowPrivateTargets && parsed.protocol !== 'https:') return problem('must be https (deliveries carry fleet positions)');
  if (parsed.username || parsed.password) return problem('must not carry credentials: deliveries are signed instead (see the secret)');
  if (parsed.hash) return problem('must not have a #fragment');
  if (!allowPrivateTargets) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host.endsWith('.localhost')) return problem('must not name localhost');
    if (net.isIP(host) && isPrivateAddress(host)) return problem(`must not be a private, loopback or link-local address (${host})`);
  }
  return undefined;
}
