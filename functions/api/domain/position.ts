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
}

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
}

export function toPositionView(position: Position): PositionView {
  const { ts, receivedAt, ...rest } = position;
  return { ...rest, timestamp: new Date(ts).toISOString(), receivedAt: new Date(receivedAt).toISOString() };
}

export function positionKey(position: Pick<Position, 'vehicleId' | 'ts'>): string {
  return `${position.vehicleId}@${position.ts}`;
}
