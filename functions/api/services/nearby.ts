import { GEO_CELL_PRECISION } from '../../../config/tables';
import { coveringCells, distanceMeters } from '../domain/geo';
import type { Position } from '../domain/position';
import { type GeoCandidate, type LatestEntry, type PositionCache, latestEntryOf } from './position-cache';
import type { VehicleStore } from './vehicle-store';

/** Beyond this many geohash cells a search reads the whole table instead (only near the poles). */
const MAX_CELLS = 48;

export interface NearbyQuery {
  readonly lat: number;
  readonly lon: number;
  readonly radiusMeters: number;
  readonly limit: number;
  readonly fleetId?: string;
}

export interface NearbyVehicle {
  readonly vehicleId: string;
  readonly distanceMeters: number;
  readonly position: Position;
}

export interface NearbyResult {
  readonly items: NearbyVehicle[];
  /** Where the candidates came from: the Redis geo index, or DynamoDB's geohash index. */
  readonly source: 'cache' | 'database';
}

/**
 * Vehicles whose latest position lies within a radius, nearest first. Redis' geo index answers
 * when it is warm and trustworthy; otherwise DynamoDB's byGeoCell index does. Both paths measure
 * and order with the same function, so they give the same answer.
 */
export class NearbyService {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly cache: PositionCache,
  ) {}

  async search(query: NearbyQuery): Promise<NearbyResult> {
    const accept = (c: GeoCandidate) =>
      (!query.fleetId || c.fleetId === query.fleetId) && distanceMeters(query.lat, query.lon, c.position.lat, c.position.lon) <= query.radiusMeters;
    const fromCache = await this.cache.nearby(query.lat, query.lon, query.radiusMeters, () => this.latestEntries(), { count: query.limit, accept });
    if (fromCache) return { items: rank(fromCache, query), source: 'cache' };
    return { items: rank(await this.fromDatabase(query), query), source: 'database' };
  }

  private async fromDatabase(query: NearbyQuery): Promise<GeoCandidate[]> {
    const cells = coveringCells(query.lat, query.lon, query.radiusMeters, GEO_CELL_PRECISION, MAX_CELLS);
    const vehicles = cells
      ? (await Promise.all(cells.map((cell) => this.vehicles.inGeoCell(cell)))).flat()
      : await this.vehicles.allWithPosition();
    return vehicles.flatMap((v) => (v.latest ? [{ position: v.latest, fleetId: v.fleetId }] : []));
  }

  private async latestEntries(): Promise<LatestEntry[]> {
    const vehicles = await this.vehicles.allWithPosition({ consistent: true });
    return vehicles.flatMap((vehicle) => latestEntryOf(vehicle) ?? []);
  }
}

function rank(candidates: readonly GeoCandidate[], query: NearbyQuery): NearbyVehicle[] {
  return candidates
    .filter((c) => !query.fleetId || c.fleetId === query.fleetId)
    .map((c) => ({
      vehicleId: c.position.vehicleId,
      distanceMeters: distanceMeters(query.lat, query.lon, c.position.lat, c.position.lon),
      position: c.position,
    }))
    .filter((v) => v.distanceMeters <= query.radiusMeters)
    .sort((a, b) => a.distanceMeters - b.distanceMeters || (a.vehicleId < b.vehicleId ? -1 : 1))
    .slice(0, query.limit);
}
