import type { GeofenceGeometry } from './geofence-geometry';

/** A geofence as stored (the geofences table item, with `geofenceId` as `id`). */
export interface Geofence {
  readonly id: string;
  readonly name: string;
  readonly geometry: GeofenceGeometry;
  /** Applies to this fleet's vehicles; with neither fleetId nor vehicleIds, to every vehicle. */
  readonly fleetId?: string;
  /** Applies to these vehicles only. */
  readonly vehicleIds?: readonly string[];
  /** km/h; overspeed inside the geofence is judged against it. */
  readonly speedLimitKmh?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly revision: number;
}

export interface GeofenceView {
  readonly id: string;
  readonly name: string;
  readonly geometry: GeofenceGeometry;
  readonly fleetId: string | null;
  readonly vehicleIds: readonly string[] | null;
  readonly speedLimitKmh: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toGeofenceView(geofence: Geofence): GeofenceView {
  return {
    id: geofence.id,
    name: geofence.name,
    geometry: geofence.geometry,
    fleetId: geofence.fleetId ?? null,
    vehicleIds: geofence.vehicleIds ?? null,
    speedLimitKmh: geofence.speedLimitKmh ?? null,
    createdAt: new Date(geofence.createdAt).toISOString(),
    updatedAt: new Date(geofence.updatedAt).toISOString(),
  };
}

/** Whether a geofence watches this vehicle. */
export function appliesTo(geofence: Pick<Geofence, 'fleetId' | 'vehicleIds'>, vehicle: { readonly id: string; readonly fleetId?: string }): boolean {
  if (geofence.vehicleIds) return geofence.vehicleIds.includes(vehicle.id);
  if (geofence.fleetId !== undefined) return geofence.fleetId === vehicle.fleetId;
  return true;
}
