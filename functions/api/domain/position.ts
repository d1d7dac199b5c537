/** A position as stored and returned. Units: degrees, km/h, degrees clockwise from north, metres. */
export interface Position {
  readonly vehicleId: string;
  /** Epoch milliseconds of the fix (device time). */
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly speed?: number;
  readonly heading?: number;
  readonly altitude?: number;
  readonly accuracy?: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  /** Epoch milliseconds the platform stored it. */
  readonly receivedAt: number;
  /** Stored but implausible: never the latest position, never in the geo index (see FILTER_REASONS). */
  readonly filtered?: FilterReason;
}

/**
 * Why a fix was stored as filtered rather than used: a device's clock ahead of the server's beyond
 * the tolerance, a fix the device itself marks invalid, the 0,0 a GPS chip reports without a fix,
 * an accuracy radius worse than the fleet's limit, a measurement no vehicle can have (a speed of
 * 1,200 knots: dropped, the fix kept as filtered), or thinning by the fleet's position filter: too
 * soon after, or too close to, the last kept fix (config/trackers.ts).
 */
export const FILTER_REASONS = ['future-clock', 'invalid-fix', 'zero-fix', 'low-accuracy', 'out-of-range', 'too-soon', 'too-close'] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

/** The JSON shape clients see. */
export interface PositionView {
  readonly vehicleId: string;
  readonly timestamp: string;
  readonly lat: number;
  readonly lon: number;
  readonly speed?: number;
  readonly heading?: number;
  readonly altitude?: number;
  readonly accuracy?: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly receivedAt: string;
  readonly filtered?: FilterReason;
}

export function toPositionView(position: Position): PositionView {
  const { ts, receivedAt, ...rest } = position;
  return { ...rest, timestamp: new Date(ts).toISOString(), receivedAt: new Date(receivedAt).toISOString() };
}

/** Positions by vehicle, each vehicle's in the order given (one pass: a batch of 500 copies nothing). */
export function byVehicle<T extends Pick<Position, 'vehicleId'>>(positions: Iterable<T>): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const position of positions) {
    const group = groups.get(position.vehicleId);
    if (group) group.push(position);
    else groups.set(position.vehicleId, [position]);
  }
  return groups;
}

export function positionKey(position: Pick<Position, 'vehicleId' | 'ts'>): string {
  return `${position.vehicleId}@${position.ts}`;
}
