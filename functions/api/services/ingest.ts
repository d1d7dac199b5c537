import { ApiError, FieldError, fieldErrorsProblem } from '../domain/errors';
import type { FilterReason, Position } from '../domain/position';
import { byVehicle, positionKey } from '../domain/position';
import { Thinning, implausibility, thinTrack } from '../domain/position-filter';
import type { PositionFilterSettings } from '../../../config/trackers';
import { MAX_FUTURE_KEPT_MS, TimestampInput, checkPositionTimestamp } from '../domain/timestamps';
import { forEachLimited } from './concurrency';
import { isRefusedAsSent } from './dynamo-client';
import { type LatestEntry, type PositionCache, latestEntryOf } from './position-cache';
import { EventFeed, STREAM_EVENT_FEED } from './event-feed';
import type { FleetSettings } from './fleet-settings';
import { KnownVehicle, KnownVehicles } from './known-vehicles';
import type { PositionStore, WriteFailure } from './position-store';
import type { LatestUpdate, VehicleStore } from './vehicle-store';

/** A position as a client sent it (already schema-valid). */
export interface PositionInput {
  readonly lat: number;
  readonly lon: number;
  readonly timestamp: TimestampInput;
  readonly speed?: number;
  readonly heading?: number;
  readonly altitude?: number;
  readonly accuracy?: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  /** The device's own verdict on the fix (OsmAnd `valid`); false stores it as filtered. */
  readonly valid?: boolean;
  /** Measurements a tracker sent out of any plausible range (dropped): the fix is stored as filtered. */
  readonly outOfRange?: readonly string[];
}

export interface IngestItem {
  readonly vehicleId: string;
  readonly input: PositionInput;
  /** How the client names this entry in errors: `positions[3]`, or '' for a single position. */
  readonly field: string;
  /**
   * Sent by a tracker (OsmAnd), not a developer's client: a fix from a clock ahead of ours is stored
   * as filtered and one beyond the retention is acknowledged, instead of refused. A phone that is
   * refused retries the same fix forever and never sends the rest of its queue.
   */
  readonly fromDevice?: boolean;
}

/** How long history is kept. */
export interface IngestRules {
  readonly retentionDays: number;
}

export interface FailedPosition {
  readonly field: string;
  readonly vehicleId: string;
  readonly timestamp: TimestampInput;
  readonly reason: string;
  /** Whether resending it unchanged can succeed (false: the database refuses it as sent). */
  readonly retryable: boolean;
}

export interface IngestResult {
  readonly stored: number;
  readonly duplicatesInRequest: number;
  /** Of the stored, those kept as filtered (never the latest position). */
  readonly filtered: number;
  /** Of the stored, resends of a vehicle's latest fix (same time, same place): not written again. */
  readonly alreadyStored: number;
  /** Fixes from a device older than the retention: acknowledged, not stored (they would expire at once). */
  readonly expired: number;
  /** Fixes from a device stamped more than a year ahead: acknowledged, not stored. */
  readonly discarded: number;
  /** Positions NOT stored: the client must resend exactly these. Empty means all are durable. */
  readonly failed: FailedPosition[];
}

const at = (field: string, name: string) => (field ? `${field}.${name}` : name);
/**
 * Per-vehicle writes one request keeps in flight: a batch of 500 vehicles must not open 500
 * connections at once (they queue behind the SDK's socket pool and time out there).
 */
const WRITES_IN_FLIGHT = 32;
/** How far behind lastSeenAt may lag for fixes that did not become the latest position. */
const SEEN_PRECISION_MS = 60_000;

/**
 * The one ingest path for every route (JSON, batch, OsmAnd):
 * 1. validate everything (timestamps, vehicles exist): any problem rejects the whole request, nothing written;
 * 2. store history in DynamoDB (idempotent by vehicle + timestamp), retrying unprocessed items;
 * 3. move each vehicle's latest forward with a conditional write (out-of-order safe);
 * 4. write the new latest positions through to Redis, best effort.
 * A position counts as stored only after 2 and 3 succeeded for it; the rest are reported back.
 */
export class IngestService {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly positions: PositionStore,
    private readonly cache: PositionCache,
    private readonly rules: IngestRules,
    /** Each fleet's position filter (plausibility and thinning). */
    private readonly fleets: FleetSettings,
    /** Receives every stored fix, for the event log. */
    private readonly events: EventFeed = STREAM_EVENT_FEED,
    private readonly known: KnownVehicles = new KnownVehicles(),
  ) {}

  /** When this process last moved a vehicle's lastSeenAt without a new latest position (see markSeen). */
  private readonly lastMarked = new Map<string, number>();

  /**
   * The vehicles that exist, as this process knows them, else as one strongly consistent read finds
   * them; `fresh` collects the ids read now (what thinning may trust without another read).
   */
  private async knownOf(vehicleIds: readonly string[], fresh: Set<string>): Promise<Map<string, KnownVehicle>> {
    const found = new Map<string, KnownVehicle>();
    const unchecked: string[] = [];
    for (const id of vehicleIds) {
      const known = this.known.get(id);
      if (known === undefined) unchecked.push(id);
      else found.set(id, known);
    }
    if (unchecked.length > 0) {
      for (const [id, vehicle] of await this.vehicles.existing(unchecked)) {
        this.known.remember(vehicle);
        found.set(id, this.known.get(id)!);
        fresh.add(id);
      }
    }
    return found;
  }

  /** The conditional latest update; a vehicle created again under this id since it was checked is updated as that one. */
  private async updateLatest(position: Position, createdAt: number): Promise<LatestUpdate> {
    const outcome = await this.vehicles.setLatestIfNewer(position, createdAt);
    if (outcome.status === 'updated') this.known.remember(outcome.vehicle);
    // Only part of the newer latest comes back: thinning must not compare with it (see KnownVehicle.latest).
    if (outcome.status === 'older') this.known.remember({ id: position.vehicleId, ...outcome.vehicle, latest: undefined });
    if (outcome.status !== 'recreated') {
      if (outcome.status === 'gone') this.known.forget(position.vehicleId);
      return outcome;
    }
    this.known.forget(position.vehicleId);
    // Created after this position arrived: history never shows it to that vehicle, so neither does
    // latest; it was sent to the vehicle that was deleted.
    if (outcome.createdAt > position.receivedAt) return { status: 'gone' };
    // History already holds the position, received after that vehicle was created: it is its fix.
    return this.vehicles.setLatestIfNewer(position, outcome.createdAt);
  }

  async ingest(items: readonly IngestItem[], now = Date.now()): Promise<IngestResult> {
    const errors: FieldError[] = [];
    const accepted: { item: IngestItem; ts: number; clock?: FilterReason }[] = [];
    let expired = 0;
    let discarded = 0;
    const acknowledgedOnly = new Set<string>();
    for (const item of items) {
      const checked = checkPositionTimestamp(item.input.timestamp, at(item.field, 'timestamp'), now, this.rules.retentionDays);
      if (!('error' in checked)) accepted.push({ item, ts: checked.ms });
      else if (item.fromDevice && checked.rule === 'expired') {
        expired += 1;
        acknowledgedOnly.add(item.vehicleId);
      } else if (item.fromDevice && checked.rule === 'future' && checked.ms! > now + MAX_FUTURE_KEPT_MS) {
        // A clock years ahead: nothing worth keeping (and no date a history page could print).
        discarded += 1;
        acknowledgedOnly.add(item.vehicleId);
      } else if (item.fromDevice && checked.rule === 'future') accepted.push({ item, ts: checked.ms!, clock: 'future-clock' });
      else errors.push(checked.error);
    }
    if (errors.length) throw fieldErrorsProblem(errors, '. Nothing was stored.');

    const fresh = new Set<string>();
    const known = await this.knownOf([...new Set(items.map((item) => item.vehicleId))], fresh);
    const unknown = items.filter((item) => !known.has(item.vehicleId));
    if (unknown.length) {
      const ids = [...new Set(unknown.map((item) => item.vehicleId))];
      throw ApiError.notFound(
        `Unknown vehicle${ids.length > 1 ? 's' : ''}: ${ids.join(', ')}. Nothing was stored.`,
        unknown.map((item) => ({ field: at(item.field, 'vehicleId'), message: `vehicle ${item.vehicleId} does not exist` })),
      );
    }

    const fleetFilters = await this.fleets.positionFilters([...known.values()].flatMap((vehicle) => (vehicle.fleetId === undefined ? [] : [vehicle.fleetId])));
    const filters = new Map([...known].map(([id, vehicle]) => [id, vehicle.fleetId === undefined ? this.fleets.defaults : fleetFilters.get(vehicle.fleetId)!]));
    const parsed = accepted.map(({ item, ts, clock }) => ({
      item,
      position: toPosition(item, ts, now, clock ?? implausibility(item.input, filters.get(item.vehicleId)!)),
    }));

    // One write per (vehicle, timestamp); the last entry of the request wins.
    const unique = new Map<string, Position>();
    for (const { position } of parsed) unique.set(positionKey(position), position);
    const duplicatesInRequest = parsed.length - unique.size;
    const alreadyStored = await this.thin(unique, known, filters, fresh);
    for (const key of alreadyStored) acknowledgedOnly.add(unique.get(key)!.vehicleId);
    for (const key of alreadyStored) unique.delete(key);
    const createdAt = new Map([...known].map(([id, vehicle]) => [id, vehicle.createdAt]));
    const failures = await this.positions.putAll([...unique.values()]);
    const notInHistory = new Set(failures.keys());

    const newestByVehicle = new Map<string, Position>();
    for (const position of unique.values()) {
      // Filtered fixes stay in history only: never the latest position, never in the geo index.
      if (failures.has(positionKey(position)) || position.filtered) continue;
      const newest = newestByVehicle.get(position.vehicleId);
      if (!newest || position.ts > newest.ts) newestByVehicle.set(position.vehicleId, position);
    }
    const becameLatest: LatestEntry[] = [];
    const gone = new Set<string>();
    const failVehicle = (vehicleId: string, failure: WriteFailure, overwrite = false) => {
      for (const other of unique.values()) {
        if (other.vehicleId === vehicleId && (overwrite || !failures.has(positionKey(other)))) failures.set(positionKey(other), failure);
      }
    };
    await forEachLimited([...newestByVehicle.values()], WRITES_IN_FLIGHT, async (position) => {
      try {
        const outcome = await this.updateLatest(position, createdAt.get(position.vehicleId)!);
        // The cache entry is built from the item as this write left it: its fleet and revision
        // together, whatever changed since the existence check (a PATCH moving its fleet).
        const entry = outcome.status === 'updated' ? latestEntryOf(outcome.vehicle) : undefined;
        if (entry) becameLatest.push(entry);
        // Its history is stored either way: a lastSeenAt that could not move is not a failed position.
        if (outcome.status === 'older') await this.markSeen(position.vehicleId, createdAt.get(position.vehicleId)!, now, outcome.vehicle.lastSeenAt).catch(() => undefined);
        if (outcome.status === 'gone') {
          // Deleted since it was checked: what reached history belongs to no vehicle (never shown).
          gone.add(position.vehicleId);
          failVehicle(position.vehicleId, { reason: `vehicle ${position.vehicleId} does not exist (it was deleted)`, retryable: false }, true);
        }
      } catch (error) {
        failVehicle(
          position.vehicleId,
          isRefusedAsSent(error)
            ? { reason: `stored in history, but the database refuses it as the latest position (${(error as Error).name}); resending it unchanged will fail again`, retryable: false }
            : { reason: 'stored in history, but the latest position could not be updated; resend it', retryable: true },
        );
      }
    });
    // A vehicle that sent only filtered fixes, or only ones too old or too far ahead to keep, is
    // still reporting (a phone indoors sends 0,0; one back in coverage drains an old queue).
    const stillFiltered = [...unique.values()].filter((p) => p.filtered && !failures.has(positionKey(p))).map((p) => p.vehicleId);
    const onlyFiltered = [...new Set([...stillFiltered, ...acknowledgedOnly])].filter((vehicleId) => !newestByVehicle.has(vehicleId));
    await forEachLimited(onlyFiltered, WRITES_IN_FLIGHT, (vehicleId) => this.markSeen(vehicleId, createdAt.get(vehicleId)!, now, known.get(vehicleId)!.lastSeenAt).catch(() => undefined));
    await this.cache.offerLatest(becameLatest, 'write');
    // Everything in history now, whether or not it moved the latest position, and never one that was
    // sent to a vehicle deleted meanwhile.
    this.events.publish([...unique.entries()].filter(([key, position]) => !notInHistory.has(key) && !gone.has(position.vehicleId)).map(([, position]) => position));
    if (gone.size > 0 && items.every((item) => gone.has(item.vehicleId))) {
      throw ApiError.notFound(`Unknown vehicle${gone.size > 1 ? 's' : ''}: ${[...gone].join(', ')}.`, [...gone].map((id) => ({ field: 'vehicleId', message: `vehicle ${id} does not exist` })));
    }

    const failed = parsed
      .filter(({ position }) => unique.has(positionKey(position)) && failures.has(positionKey(position)))
      .map(({ item, position }) => ({
        field: item.field,
        vehicleId: item.vehicleId,
        timestamp: item.input.timestamp,
        ...failures.get(positionKey(position))!,
      }));
    const stored = [...unique.entries()].filter(([key]) => !failures.has(key));
    return {
      stored: stored.length + alreadyStored.length,
      duplicatesInRequest,
      filtered: stored.filter(([, position]) => position.filtered).length,
      alreadyStored: alreadyStored.length,
      expired,
      discarded,
      failed,
    };
  }

  /**
   * Moves a vehicle's lastSeenAt forward for a fix that did not become its latest position. At most
   * once a minute per vehicle and process (or when DynamoDB's copy is older than that): the status
   * it feeds is minutes coarse, and a backlog of old fixes must not cost a write each.
   */
  private async markSeen(vehicleId: string, createdAt: number, now: number, storedLastSeen?: number): Promise<void> {
    const marked = Math.max(this.lastMarked.get(vehicleId) ?? 0, storedLastSeen ?? 0);
    if (now - marked < SEEN_PRECISION_MS) return;
    this.lastMarked.set(vehicleId, now);
    if (this.lastMarked.size > 10_000) this.lastMarked.delete(this.lastMarked.keys().next().value!);
    await this.vehicles.markSeen(vehicleId, createdAt, now);
  }

  /**
   * Applies each vehicle's fleet's time, distance and accuracy-based filters to its plausible fixes,
   * oldest first, each against the last kept one, starting from the vehicle's latest position:
   * thinned fixes become filtered in `unique`. Returns the keys of fixes not to write: resends of
   * the latest fix, and implausible fixes at its timestamp (they would hide it in history).
   * A verdict against a latest position this process remembers, rather than read in this request,
   * is confirmed with one strongly consistent read first: another instance may have moved the latest
   * position, or deleted and created the vehicle again, since.
   */
  private async thin(unique: Map<string, Position>, known: Map<string, KnownVehicle>, filters: Map<string, PositionFilterSettings>, fresh: ReadonlySet<string>): Promise<string[]> {
    let verdicts = this.verdicts(unique, known, filters);
    const unconfirmed = [...new Set([...verdicts.values()].map(({ position }) => position.vehicleId))].filter((id) => !fresh.has(id));
    if (unconfirmed.length > 0) {
      const current = await this.vehicles.existing(unconfirmed);
      for (const id of unconfirmed) {
        const vehicle = current.get(id);
        // Gone: no verdict; the latest update reports it (404) as for any fix.
        if (vehicle) this.known.remember(vehicle);
        else this.known.forget(id);
        known.set(id, vehicle ? this.known.get(id)! : { ...known.get(id)!, latest: undefined });
      }
      verdicts = this.verdicts(unique, known, filters);
    }
    const notWritten: string[] = [];
    // With thinning on, a late fix already in history was judged when it first came (it may be
    // thinned there): a resend must not rewrite that verdict, or resending would change history.
    const thinningOn = (id: string) => {
      const filter = filters.get(id)!;
      return filter.minIntervalSeconds > 0 || filter.minDistanceMeters > 0 || filter.accuracyBased;
    };
    const late = [...unique].filter(([key, p]) => !verdicts.has(key) && !p.filtered && thinningOn(p.vehicleId) && p.ts < (known.get(p.vehicleId)!.latest?.ts ?? -Infinity));
    if (late.length > 0) {
      const stored = await this.positions.existingKeys(late.map(([, p]) => p));
      for (const [key] of late) if (stored.has(key)) notWritten.push(key);
    }
    for (const [key, { position, verdict }] of verdicts) {
      if (verdict === 'duplicate' || verdict === 'hides-latest') notWritten.push(key);
      else unique.set(key, { ...position, filtered: verdict });
    }
    return notWritten;
  }

  private verdicts(unique: ReadonlyMap<string, Position>, known: ReadonlyMap<string, KnownVehicle>, filters: ReadonlyMap<string, PositionFilterSettings>) {
    const verdicts = new Map<string, { position: Position; verdict: Thinning | 'hides-latest' }>();
    for (const [key, position] of unique) {
      const latest = known.get(position.vehicleId)!.latest;
      if (position.filtered && latest && position.ts === latest.ts) verdicts.set(key, { position, verdict: 'hides-latest' });
    }
    for (const [vehicleId, track] of byVehicle([...unique.values()].filter((position) => !position.filtered))) {
      for (const [position, verdict] of thinTrack(known.get(vehicleId)!.latest, track, filters.get(vehicleId)!)) verdicts.set(positionKey(position), { position, verdict });
    }
    return verdicts;
  }
}

function toPosition(item: IngestItem, ts: number, now: number, filtered: FilterReason | undefined): Position {
  const { input } = item;
  return {
    vehicleId: item.vehicleId,
    ts,
    lat: input.lat,
    lon: input.lon,
    ...(input.speed !== undefined && { speed: input.speed }),
    ...(input.heading !== undefined && { heading: input.heading }),
    ...(input.altitude !== undefined && { altitude: input.altitude }),
    ...(input.accuracy !== undefined && { accuracy: input.accuracy }),
    ...(input.attributes !== undefined && Object.keys(input.attributes).length > 0 && { attributes: input.attributes }),
    receivedAt: now,
    ...(filtered && { filtered }),
  };
}
