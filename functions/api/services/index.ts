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
  const events = new EventStore(db, config.eventsTable, config.positionRetentionDays);
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
    cache,
    ingest: new IngestService(vehicles, positions, cache, { retentionDays: config.positionRetentionDays }, fleets, eventFeed, known),
    registry: new VehicleRegistry(vehicles, devices, cache, known, options.log),
    nearby: new NearbyService(vehicles, cache, options.log),
    async close() {
      await eventFeed.settled();
      await cache.close();
      db.destroy();
    },
  };
}
