import type { FastifyBaseLogger } from 'fastify';
import { appliesTo } from '../domain/geofence';
import { prepareGeometry } from '../domain/geofence-geometry';
import type { WatchingGeofence } from '../domain/events';
import type { Geofence } from '../domain/geofence';
import type { GeofenceStore } from './geofence-store';

/** How long an instance evaluates with the geofences it read: a change reaches every instance within this. */
export const GEOFENCE_INDEX_TTL_MS = 60_000;

/**
 * Every geofence of the environment, read whole (one Scan, paginated) at most once a minute and
 * prepared for containment tests, so evaluating a fix costs no read per geofence.
 */
export class GeofenceIndex {
  private loaded?: { geofences: (Geofence & WatchingGeofence)[]; until: number };
  private loading?: Promise<(Geofence & WatchingGeofence)[]>;

  constructor(
    private readonly store: GeofenceStore,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The geofences watching this vehicle. */
  async watching(vehicle: { readonly id: string; readonly fleetId?: string }): Promise<WatchingGeofence[]> {
    return (await this.all()).filter((geofence) => appliesTo(geofence, vehicle));
  }

  /** Forget what was read: this instance changed a geofence. */
  invalidate(): void {
    this.loaded = undefined;
  }

  private async all(): Promise<(Geofence & WatchingGeofence)[]> {
    if (this.loaded && this.loaded.until > this.now()) return this.loaded.geofences;
    this.loading ??= this.store
      .all()
      .then((geofences) => {
        const prepared = geofences.map((geofence) => ({ ...geofence, contains: prepareGeometry(geofence.geometry).contains }));
        this.loaded = { geofences: prepared, until: this.now() + GEOFENCE_INDEX_TTL_MS };
        this.log.debug({ geofences: prepared.length }, 'geofences loaded');
        return prepared;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
