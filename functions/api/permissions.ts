/**
 * The DynamoDB actions the API's code calls, per table: module.api_services grants exactly these
 * on exactly these tables. A test derives the same lists from the commands the stores send.
 */
export const API_DYNAMODB_ACCESS = {
  /** services/vehicle-store.ts */
  vehicles: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  /** services/vehicle-store.ts, on the table's indexes (byFleet, byGeoCell) */
  vehicleIndexes: ['dynamodb:Query'],
  /** services/position-store.ts */
  positions: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query'],
  /** services/device-store.ts */
  devices: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  /** services/fleet-store.ts */
  fleets: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  /** services/geofence-store.ts */
  geofences: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
  /** services/geofence-store.ts, on the byFleet index */
  geofenceIndexes: ['dynamodb:Query'],
  /** services/event-store.ts */
  events: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
  /** services/event-store.ts, on the byFleet and byDay indexes */
  eventIndexes: ['dynamodb:Query'],
  /** services/webhook-store.ts (the routes; delivery state is the delivery function's) */
  webhooks: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
} as const;

/**
 * What the events function (functions/events/lambda.ts, EventEvaluator) calls, per table: module.api_services
 * grants exactly these to it, and reading the positions table's stream (granted by name).
 */
export const EVENTS_FUNCTION_DYNAMODB_ACCESS = {
  vehicles: ['dynamodb:GetItem'],
  positions: ['dynamodb:Query'],
  geofences: ['dynamodb:Scan'],
  events: ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
  positionsStream: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
} as const;

/** What the status function (functions/status/lambda.ts, StatusSweep) calls, per table. */
export const STATUS_FUNCTION_DYNAMODB_ACCESS = {
  vehicles: ['dynamodb:Scan', 'dynamodb:UpdateItem'],
  events: ['dynamodb:PutItem'],
} as const;

/**
 * What the delivery function (functions/delivery/lambda.ts) calls: the webhooks (WebhookStore: read,
 * and the delivery state), and the events table's stream it publishes from (granted by name).
 */
export const DELIVERY_FUNCTION_DYNAMODB_ACCESS = {
  webhooks: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  eventsStream: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
} as const;
