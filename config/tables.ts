/**
 * DynamoDB table designs: key schemas, GSIs and TTL attributes, defined once.
 * module.database creates these tables in AWS; the local dev server and the tests create
 * identical ones in dynalite from the same definitions.
 */
import type { TableKey } from './names';

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface GlobalSecondaryIndex {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** What the index is for (shown in help/ARCHITECTURE.md). */
  readonly accessPattern: string;
}

export interface TableDefinition {
  readonly key: TableKey;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndex[];
  /** Attribute holding an epoch-seconds expiry, enforced by DynamoDB TTL. */
  readonly ttlAttribute?: string;
  /** A DynamoDB stream of each item's new image, and who reads it. */
  readonly stream?: { readonly readBy: string };
  readonly description: string;
}

export const VEHICLES_TABLE: TableDefinition = {
  key: 'vehicles',
  description: 'One item per vehicle, carrying its latest position.',
  partitionKey: { name: 'vehicleId', type: 'S' },
  globalSecondaryIndexes: [
    {
      name: 'byFleet',
      partitionKey: { name: 'fleetId', type: 'S' },
      sortKey: { name: 'vehicleId', type: 'S' },
      accessPattern: 'GET /vehicles?fleetId= — a fleet\'s vehicles, paginated',
    },
    {
      name: 'byGeoCell',
      partitionKey: { name: 'geoCell', type: 'S' },
      sortKey: { name: 'vehicleId', type: 'S' },
      accessPattern: 'GET /positions/nearby when Redis is down or cold, over a large circle — vehicles by the geohash cell of their latest position',
    },
    {
      name: 'byGeoTile',
      partitionKey: { name: 'geoTile', type: 'S' },
      sortKey: { name: 'vehicleId', type: 'S' },
      accessPattern: 'GET /positions/nearby when Redis is down or cold — vehicles by the fine geohash tile of their latest position, nearest tiles first',
    },
  ],
};

/**
 * Geohash precision of `geoCell` (cells of 1.40625° x 1.40625°, about 156 km at the equator):
 * a nearby search of the largest radius reads a handful of cells away from the poles.
 */
export const GEO_CELL_PRECISION = 3;

/**
 * Geohash precision of `geoTile` (about 4.9 km x 4.9 km at the equator, narrower in longitude away
 * from it): a nearby search reads the tiles nearest the point first and stops once it has its
 * nearest vehicles, so a dense fleet costs a few small queries rather than whole 156 km cells.
 */
export const GEO_TILE_PRECISION = 5;

export const POSITIONS_TABLE: TableDefinition = {
  key: 'positions',
  description: 'Position history: one item per (vehicle, timestamp), expiring after the retention.',
  partitionKey: { name: 'vehicleId', type: 'S' },
  sortKey: { name: 'ts', type: 'N' },
  globalSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
  stream: { readBy: 'the events function (vehicle-tracking-<env>-events), which derives the event log from every stored fix' },
};

export const DEVICES_TABLE: TableDefinition = {
  key: 'devices',
  description: 'One item per tracker device id (OsmAnd / Traccar Client), naming its vehicle: keeps device ids unique.',
  partitionKey: { name: 'deviceId', type: 'S' },
  globalSecondaryIndexes: [],
};

export const FLEETS_TABLE: TableDefinition = {
  key: 'fleets',
  description: 'One item per fleet that overrides the environment\'s settings (its position filter); a fleet without one uses the defaults.',
  partitionKey: { name: 'fleetId', type: 'S' },
  globalSecondaryIndexes: [],
};

export const GEOFENCES_TABLE: TableDefinition = {
  key: 'geofences',
  description: 'One item per geofence: its geometry (circle, polygon, multipolygon), scope (a fleet, listed vehicles, or all) and speed limit.',
  partitionKey: { name: 'geofenceId', type: 'S' },
  globalSecondaryIndexes: [
    {
      name: 'byFleet',
      partitionKey: { name: 'fleetId', type: 'S' },
      sortKey: { name: 'geofenceId', type: 'S' },
      accessPattern: 'GET /geofences?fleetId= — a fleet\'s geofences, paginated',
    },
  ],
};

export const EVENTS_TABLE: TableDefinition = {
  key: 'events',
  description: 'The event log: one item per event (geofence enter/exit, alarm), keyed by vehicle and event time, so a replay rewrites the same item.',
  partitionKey: { name: 'vehicleId', type: 'S' },
  sortKey: { name: 'eventKey', type: 'S' },
  globalSecondaryIndexes: [
    {
      name: 'byFleet',
      partitionKey: { name: 'fleetId', type: 'S' },
      sortKey: { name: 'eventKey', type: 'S' },
      accessPattern: 'GET /events?fleetId= — a fleet\'s events in time order, paginated',
    },
    {
      name: 'byDay',
      partitionKey: { name: 'eventDay', type: 'S' },
      sortKey: { name: 'eventKey', type: 'S' },
      accessPattern: 'GET /events — every event of the environment in time order, one UTC day per partition',
    },
    {
      name: 'byChange',
      partitionKey: { name: 'changeDay', type: 'S' },
      sortKey: { name: 'changeKey', type: 'S' },
      accessPattern: 'GET /events/changes — every event raised or retracted since a time, in the order of those changes (a consumer\'s feed, corrections included)',
    },
  ],
  ttlAttribute: 'expiresAt',
  stream: { readBy: 'the delivery function (vehicle-tracking-<env>-delivery), which publishes every change of the log to the event bus' },
};

export const WEBHOOKS_TABLE: TableDefinition = {
  key: 'webhooks',
  description: 'One item per webhook: where the event log\'s changes are POSTed, signed with its secret, for which events and vehicles.',
  partitionKey: { name: 'webhookId', type: 'S' },
  globalSecondaryIndexes: [],
};

export const TABLES: readonly TableDefinition[] = [VEHICLES_TABLE, POSITIONS_TABLE, DEVICES_TABLE, FLEETS_TABLE, GEOFENCES_TABLE, EVENTS_TABLE, WEBHOOKS_TABLE];

/** Every attribute that appears in a key of the table or of one of its indexes, once. */
export function keyAttributes(table: TableDefinition): KeyAttribute[] {
  const all = [
    table.partitionKey,
    table.sortKey,
    ...table.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ].filter((attribute): attribute is KeyAttribute => attribute !== undefined);
  const byName = new Map<string, KeyAttribute>();
  for (const attribute of all) {
    const seen = byName.get(attribute.name);
    if (seen && seen.type !== attribute.type) {
      throw new Error(`Table ${table.key}: attribute ${attribute.name} declared as both ${seen.type} and ${attribute.type}`);
    }
    byName.set(attribute.name, attribute);
  }
  return [...byName.values()];
}
