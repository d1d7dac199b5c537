import { PositionView, toPositionView, Position } from './position';

export const VEHICLE_TYPES = ['car', 'van', 'truck', 'bus', 'motorcycle', 'trailer', 'other'] as const;
export type VehicleType = (typeof VEHICLE_TYPES)[number];

/** A vehicle as stored (the vehicles table item, with `vehicleId` as `id`). */
export interface Vehicle {
  readonly id: string;
  readonly name: string;
  readonly plate?: string;
  /** km/h: overspeed events when faster (a geofence's own limit applies inside it). */
  readonly speedLimitKmh?: number;
  readonly fleetId?: string;
  readonly type: VehicleType;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Tracker identifier for device protocols (OsmAnd / Traccar Client); unique; none when cleared. */
  readonly deviceId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * Advanced by every write that changes what the cache mirrors (latest position, fleet), in the
   * same conditional update. With `createdAt` (which tells incarnations of a re-created id apart) it
   * orders cache entries: see CacheVersion. Absent on items written before it existed (read as 0).
   */
  readonly revision?: number;
  readonly latest?: Position;
  /** When a fix (filtered or not) last arrived, epoch ms; absent before any, or on items from before it existed. */
  readonly lastSeenAt?: number;
  /** Set by the status sweep when it raised deviceOffline: the lastSeenAt it was raised for. */
  readonly offlineSince?: number;
}

export interface VehicleView {
  readonly id: string;
  readonly name: string;
  readonly plate: string | null;
  readonly speedLimitKmh: number | null;
  readonly fleetId: string | null;
  readonly type: VehicleType;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly deviceId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly position: PositionView | null;
  readonly status: TrackerStatus;
  readonly lastSeenAt: string | null;
}

export const TRACKER_STATUSES = ['online', 'offline', 'unknown'] as const;
export type TrackerStatus = (typeof TRACKER_STATUSES)[number];

/** `unknown` until a first fix; `online` while the newest one arrived within `offlineAfterMs`; `offline` after. */
export function trackerStatus(vehicle: Pick<Vehicle, 'latest' | 'lastSeenAt'>, now: number, offlineAfterMs: number): TrackerStatus {
  const seen = lastSeen(vehicle);
  if (seen === undefined) return 'unknown';
  return now - seen <= offlineAfterMs ? 'online' : 'offline';
}

/** When a fix last arrived: any fix, filtered ones too (a phone indoors still reports), else the latest's. */
export function lastSeen(vehicle: Pick<Vehicle, 'latest' | 'lastSeenAt'>): number | undefined {
  return vehicle.lastSeenAt ?? vehicle.latest?.receivedAt;
}

export function toVehicleView(vehicle: Vehicle, now: number, offlineAfterMs: number): VehicleView {
  return {
    id: vehicle.id,
    name: vehicle.name,
    plate: vehicle.plate ?? null,
    speedLimitKmh: vehicle.speedLimitKmh ?? null,
    fleetId: vehicle.fleetId ?? null,
    type: vehicle.type,
    metadata: vehicle.metadata ?? {},
    deviceId: vehicle.deviceId ?? null,
    createdAt: new Date(vehicle.createdAt).toISOString(),
    updatedAt: new Date(vehicle.updatedAt).toISOString(),
    position: vehicle.latest ? toPositionView(vehicle.latest) : null,
    status: trackerStatus(vehicle, now, offlineAfterMs),
    lastSeenAt: lastSeen(vehicle) === undefined ? null : new Date(lastSeen(vehicle)!).toISOString(),
  };
}
