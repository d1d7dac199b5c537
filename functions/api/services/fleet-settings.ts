import type { FastifyBaseLogger } from 'fastify';
import { POSITION_FILTER_KEYS, PositionFilterKey, PositionFilterSettings, positionFilterProblems } from '../../../config/trackers';
import { ApiError, fieldErrorsProblem } from '../domain/errors';
import type { FleetItem, FleetStore } from './fleet-store';
import { backoffMs, sleep } from './retry';

/** How long ingest trusts a fleet's settings it read: a change reaches every instance within this. */
export const FLEET_SETTINGS_TTL_MS = 60_000;
const MAX_CACHED = 10_000;
/** Concurrent PATCHes of one fleet re-read and retry, with jitter, this many times before a 409. */
const UPDATE_ATTEMPTS = 6;

/** A fleet's settings as the API shows them: effective values, and which of them the fleet overrides. */
export interface FleetView {
  readonly fleetId: string;
  readonly positionFilter: PositionFilterSettings;
  readonly overrides: PositionFilterKey[];
  readonly updatedAt: string | null;
}

/** `PATCH /fleets/{fleetId}`: a value overrides the environment's default, null goes back to it. */
export type PositionFilterChanges = { readonly [K in PositionFilterKey]?: PositionFilterSettings[K] | null };

/**
 * Each fleet's effective settings: its overrides over the environment's defaults. Ingest reads them
 * once a minute per fleet and process, so thinning costs no round trip per fix; a fleet whose
 * settings cannot be read is filtered with the last ones read, else the defaults: a tracker's fix is
 * stored either way, never refused for it.
 */
export class FleetSettings {
  private readonly cached = new Map<string, { settings: PositionFilterSettings; until: number }>();

  constructor(
    private readonly store: FleetStore,
    /** The environment's: for vehicles without a fleet, and fleets that override nothing. */
    readonly defaults: PositionFilterSettings,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The position filter ingest applies to a vehicle of this fleet (none: the defaults). */
  async positionFilter(fleetId: string | undefined): Promise<PositionFilterSettings> {
    return fleetId === undefined ? this.defaults : (await this.positionFilters([fleetId])).get(fleetId)!;
  }

  /** The position filters of these fleets: those not read in the last minute in one batched read. */
  async positionFilters(fleetIds: readonly string[]): Promise<Map<string, PositionFilterSettings>> {
    const filters = new Map<string, PositionFilterSettings>();
    const stale: string[] = [];
    for (const fleetId of new Set(fleetIds)) {
      const hit = this.cached.get(fleetId);
      if (hit && hit.until > this.now()) filters.set(fleetId, hit.settings);
      else stale.push(fleetId);
    }
    if (stale.length === 0) return filters;
    try {
      const items = await this.store.getMany(stale);
      for (const fleetId of stale) filters.set(fleetId, this.remember(fleetId, items.get(fleetId)));
    } catch (error) {
      this.log.warn({ err: error, fleets: stale.length }, 'fleet settings unreadable: filtering with the last read, else the defaults');
      for (const fleetId of stale) filters.set(fleetId, this.cached.get(fleetId)?.settings ?? this.defaults);
    }
    return filters;
  }

  async view(fleetId: string): Promise<FleetView> {
    const item = await this.store.get(fleetId, { consistent: true });
    this.remember(fleetId, item);
    return this.viewOf(fleetId, item);
  }

  /** Applies the changes to the fleet's current overrides (a conflicting writer makes it re-read and retry). */
  async update(fleetId: string, changes: PositionFilterChanges, now = Date.now()): Promise<FleetView> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt));
      const current = await this.store.get(fleetId, { consistent: true });
      const overrides: Partial<Record<PositionFilterKey, unknown>> = { ...current?.positionFilter };
      for (const [key, value] of Object.entries(changes) as [PositionFilterKey, unknown][]) {
        if (value === null) delete overrides[key];
        else overrides[key] = value;
      }
      const problems = positionFilterProblems({ ...this.defaults, ...overrides }).map(({ field, message }) => ({ field: `positionFilter.${field}`, message }));
      if (problems.length) throw fieldErrorsProblem(problems, '. Nothing was changed.');
      const unchanged = POSITION_FILTER_KEYS.every((key) => overrides[key] === current?.positionFilter[key]);
      if (unchanged) return this.viewOf(fleetId, current);
      const written = await this.store.put(fleetId, overrides as Partial<PositionFilterSettings>, current?.revision ?? 0, now);
      if (written) {
        this.remember(fleetId, written);
        return this.viewOf(fleetId, written);
      }
    }
    throw ApiError.conflict(`fleet ${fleetId} was changed by other requests meanwhile; send the change again`);
  }

  private effective(item: FleetItem | undefined): PositionFilterSettings {
    return { ...this.defaults, ...item?.positionFilter };
  }

  private viewOf(fleetId: string, item: FleetItem | undefined): FleetView {
    return {
      fleetId,
      positionFilter: this.effective(item),
      overrides: POSITION_FILTER_KEYS.filter((key) => item?.positionFilter[key] !== undefined),
      updatedAt: item ? new Date(item.updatedAt).toISOString() : null,
    };
  }

  private remember(fleetId: string, item: FleetItem | undefined): PositionFilterSettings {
    const settings = this.effective(item);
    this.cached.delete(fleetId);
    this.cached.set(fleetId, { settings, until: this.now() + FLEET_SETTINGS_TTL_MS });
    if (this.cached.size > MAX_CACHED) this.cached.delete(this.cached.keys().next().value!);
    return settings;
  }
}
