import type { FastifyBaseLogger } from 'fastify';
import { GEO_CELL_PRECISION, GEO_TILE_PRECISION } from '../../../config/tables';
import { cellsNearestFirst, distanceMeters } from '../domain/geo';
import type { Position } from '../domain/position';
import { type GeoCandidate, type LatestEntry, type PositionCache, latestEntryOf } from './position-cache';
import type { VehicleStore } from './vehicle-store';

/** Beyond this many coarse cells a search reads the whole table instead (only near the poles). */
const MAX_CELLS = 48;
/** Beyond this many fine tiles (a circle of roughly 30 km or more) a search reads coarse cells. */
const MAX_TILES = 256;
/** Tiles read at once: the nearest few usually hold a dense fleet's nearest vehicles. */
const WAVE = 8;

export interface NearbyQuery {
  readonly lat: number;
  readonly lon: number;
  readonly radiusMeters: number;
  /** Leave out vehicles whose latest fix is older than this (epoch ms). */
  readonly minTs?: number;
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
  /** Until then, searches skip byGeoTile (missing or still being filled; see fromDatabase). */
  private tilesUnavailableUntil = 0;

  constructor(
    private readonly vehicles: VehicleStore,
    private readonly cache: PositionCache,
    private readonly log: FastifyBaseLogger,
  ) {}

  async search(query: NearbyQuery): Promise<NearbyResult> {
    const accept = (c: GeoCandidate) =>
      fresh(c.position, query) &&
      (!query.fleetId || c.fleetId === query.fleetId) &&
      distanceMeters(query.lat, query.lon, c.position.lat, c.position.lon) <= query.radiusMeters;
    const fromCache = await this.cache.nearby(query.lat, query.lon, query.radiusMeters, () => this.latestEntries(), { count: query.limit, accept });
    if (fromCache) return { items: rank(fromCache, query), source: 'cache' };
    return { items: rank(await this.fromDatabase(query), query), source: 'database' };
  }

  /**
   * Without Redis: the fine tiles (byGeoTile) nearest the point first, in waves, stopping once the
   * `limit` nearest matches are nearer than every tile not yet read; circles too large for tiles use
   * the coarse cells (byGeoCell) the same way; near the poles, the whole table.
   */
  private async fromDatabase(query: NearbyQuery): Promise<GeoCandidate[]> {
    const tiles = Date.now() >= this.tilesUnavailableUntil && cellsNearestFirst(query.lat, query.lon, query.radiusMeters, GEO_TILE_PRECISION, MAX_TILES);
    if (tiles) {
      try {
        return await this.nearestFirst(tiles, 'tile', query);
      } catch (error) {
        if (!isIndexUnavailable(error)) throw error;
        // Released before the apply that adds byGeoTile (RUNBOOK: index change), or while DynamoDB
        // still fills it: the coarse cells answer, and tiles are tried again in a minute.
        this.tilesUnavailableUntil = Date.now() + 60_000;
        this.log.warn({ err: (error as Error).message }, 'Index byGeoTile not queryable yet: nearby searches use byGeoCell');
      }
    }
    const cells = cellsNearestFirst(query.lat, query.lon, query.radiusMeters, GEO_CELL_PRECISION, MAX_CELLS);
    if (cells) return this.nearestFirst(cells, 'cell', query);
    return (await this.vehicles.allWithPosition()).flatMap((vehicle) => latestEntryOf(vehicle) ?? []);
  }

  private async nearestFirst(cells: readonly { cell: string; minDistance: number }[], grid: 'cell' | 'tile', query: NearbyQuery): Promise<GeoCandidate[]> {
    const found = new Map<string, GeoCandidate & { distance: number }>();
    for (let i = 0; i < cells.length; i += WAVE) {
      const wave = await Promise.all(cells.slice(i, i + WAVE).map(({ cell }) => this.vehicles.inGeoCell(grid, cell, query.fleetId)));
      for (const vehicle of wave.flat()) {
        if (!vehicle.latest) continue;
        const distance = distanceMeters(query.lat, query.lon, vehicle.latest.lat, vehicle.latest.lon);
        // A vehicle that moved between two tiles while they were read counts once, where it is now.
        const seen = found.get(vehicle.id);
        if (distance <= query.radiusMeters && fresh(vehicle.latest, query) && (!seen || seen.position.ts < vehicle.latest.ts)) {
          found.set(vehicle.id, { position: vehicle.latest, fleetId: vehicle.fleetId, distance });
        }
      }
      const next = cells[i + WAVE];
      if (!next || found.size < query.limit) continue;
      const kth = [...found.values()].map((c) => c.distance).sort((a, b) => a - b)[query.limit - 1];
      if (kth < next.minDistance) break;
    }
    return [...found.values()];
  }

  private async latestEntries(): Promise<LatestEntry[]> {
    const vehicles = await this.vehicles.allWithPosition({ consistent: true });
    return vehicles.flatMap((vehicle) => latestEntryOf(vehicle) ?? []);
  }
}

function rank(candidates: readonly GeoCandidate[], query: NearbyQuery): NearbyVehicle[] {
  return candidates
    .filter((c) => fresh(c.position, query) && (!query.fleetId || c.fleetId === query.fleetId))
    .map((c) => ({
      vehicleId: c.position.vehicleId,
      distanceMeters: distanceMeters(query.lat, query.lon, c.position.lat, c.position.lon),
      position: c.position,
    }))
    .filter((v) => v.distanceMeters <= query.radiusMeters)
    .sort((a, b) => a.distanceMeters - b.distanceMeters || (a.vehicleId < b.vehicleId ? -1 : 1))
    .slice(0, query.limit);
}

/** DynamoDB's answer to a query on an index the table does not have yet, or is still backfilling. */
function isIndexUnavailable(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationException' && /index/i.test(e.message ?? '');
}

const fresh = (position: Position, query: NearbyQuery) => query.minTs === undefined || position.ts >= query.minTs;
