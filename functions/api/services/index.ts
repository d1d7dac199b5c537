import type { FastifyBaseLogger } from 'fastify';
import { cacheKeyPrefix } from '../../../config/names';
import type { ApiConfig } from '../config';
import { createDocumentClient } from './dynamo-client';
import { DeviceStore } from './device-store';
import { FleetSettings } from './fleet-settings';
import { FleetStore } from './fleet-store';
import { GeofenceStore } from './geofence-store';
import { GeofenceIndex } from './geofence-index';
import { EventEvaluator } from './event-evaluator';
import { EventFeed, InProcessEventFeed, STREAM_EVENT_FEED } from './event-feed';
import { EventStore } from './event-store';
import { IngestService } from './ingest';
import { KnownVehicles } from './known-vehicles';
import { NearbyService } from './nearby';
import { PositionCache, RedisPassword } from './position-cache';
import { PositionStore } from './position-store';
import { VehicleRegistry } from './vehicle-registry';
import { VehicleStore } from './vehicle-store';
import { WebhookStore } from './webhook-store';
import { LocalDelivery } from '../delivery/local-delivery';
import { WebhookDirectory } from '../delivery/webhook-directory';

/** Everything the routes use, created once per process (per Lambda container). */
export interface Services {
  readonly vehicles: VehicleStore;
  readonly positions: PositionStore;
  readonly devices: DeviceStore;
  readonly fleets: FleetSettings;
  readonly geofences: GeofenceStore;
  /** What event evaluation reads geofences from (this instance's copy, refreshed each minute). */
  readonly geofenceIndex: GeofenceIndex;
  readonly events: EventStore;
  readonly eventFeed: EventFeed;
  readonly webhooks: WebhookStore;
  /** What deliveries match webhooks against (this instance's copy, refreshed each minute). */
  readonly webhookDirectory: WebhookDirectory;
  /** Local only (no stream, no bus): publishes the log's changes and delivers webhooks in this process. */
  readonly localDelivery?: LocalDelivery;
  readonly cache: PositionCache;
  readonly ingest: IngestService;
  readonly registry: VehicleRegistry;
  readonly nearby: NearbyService;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Redis AUTH token: from Secrets Manager in Lambda (re-read on rotation). */
  readonly redisPassword?: RedisPassword;
  /** Redis URL found at run time (Lambda reads it from a secret); default `config.redisUrl`. */
  readonly redisUrl?: string;
  readonly log: FastifyBaseLogger;
}

export function createServices(config: ApiConfig, options: ServiceOptions): Services {
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const vehicles = new VehicleStore(db, config.vehiclesTable);
  const positions = new PositionStore(db, config.positionsTable, config.positionRetentionDays);
  const devices = new DeviceStore(db, config.devicesTable);
  const fleets = new FleetSettings(new FleetStore(db, config.fleetsTable), config.positionFilterDefaults, options.log);
  const known = new KnownVehicles();
  const geofences = new GeofenceStore(db, config.geofencesTable);
  const geofenceIndex = new GeofenceIndex(geofences, options.log);
  const webhooks = new WebhookStore(db, config.webhooksTable);
  const webhookDirectory = new WebhookDirectory(webhooks);
  // In AWS the events table's stream drives the delivery function; locally this process delivers.
  const localDelivery =
    config.eventSource === 'stream'
      ? undefined
      : new LocalDelivery(webhooks, webhookDirectory, { allowPrivateTargets: config.webhookAllowPrivateTargets, retryDelaysSeconds: config.webhookRetryDelaysSeconds }, options.log);
  const events = new EventStore(db, config.eventsTable, config.positionRetentionDays, localDelivery?.onChange);
  const eventFeed =
    config.eventSource === 'stream' ? STREAM_EVENT_FEED : new InProcessEventFeed(new EventEvaluator(vehicles, positions, events, geofenceIndex, options.log), options.log);
  const redisUrl = options.redisUrl ?? config.redisUrl;
  const cache = redisUrl
    ? PositionCache.connect(redisUrl, {
        keyPrefix: cacheKeyPrefix(config.environment, config.vehiclesTable, config.cacheNamespace),
        password: options.redisPassword,
        log: options.log,
      })
    : PositionCache.disabled(options.log);
  return {
    vehicles,
    positions,
    devices,
    fleets,
    geofences,
    geofenceIndex,
    events,
    eventFeed,
    webhooks,
    webhookDirectory,
    localDelivery,
    cache,
    ingest: new IngestService(vehicles, positions, cache, { retentionDays: config.positionRetentionDays }, fleets, eventFeed, known),
    registry: new VehicleRegistry(vehicles, devices, cache, known, options.log),
    nearby: new NearbyService(vehicles, cache, options.log),
    async close() {
      await eventFeed.settled();
      // Waiting retries are dropped (local only): their receivers get nothing more from this process.
      await localDelivery?.published();
      await cache.close();
      db.destroy();
    },
  };
}
