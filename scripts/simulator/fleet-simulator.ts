import { KNOTS_TO_KMH } from '../../functions/api/protocols/osmand';
import type { Point } from '../../functions/api/domain/geo';
import { SimulatedVehicle } from './routes';

export interface SimulatorOptions {
  /** API base URL, e.g. http://127.0.0.1:3000 or https://<id>.execute-api.<region>.amazonaws.com/<env> */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly vehicles: number;
  /** Seconds between reports of each vehicle. */
  readonly intervalSeconds: number;
  /** Stop after this many seconds (0: until stopped). */
  readonly durationSeconds: number;
  /** Share of vehicles reporting through the OsmAnd route instead of JSON batches. */
  readonly osmandShare: number;
  readonly fleetId: string;
  readonly center: Point;
  readonly areaRadiusMeters: number;
  /** A circular depot geofence of this radius at the centre, watching the fleet (0 or absent: none). */
  readonly depotRadiusMeters?: number;
  readonly random?: () => number;
}

/** An event as GET /events returns it (the fields the simulator prints). */
export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly vehicleId: string;
  readonly geofenceName: string | null;
  readonly timestamp: string;
  readonly retractedAt: string | null;
}

export interface SimulatorStats {
  vehicles: number;
  sent: number;
  stored: number;
  errors: number;
  lastError?: string;
  elapsedSeconds: number;
}

interface Simulated {
  readonly vehicle: SimulatedVehicle;
  readonly deviceId: string;
  readonly viaOsmand: boolean;
}

/** Where `npm run simulate` drives: 6 km around Amsterdam's centre. */
export const SIMULATED_AREA = { center: { lat: 52.3676, lon: 4.9041 }, areaRadiusMeters: 6000 } as const;

/** Drives a fleet through the public HTTP API, as devices and gateways would. */
export class FleetSimulator {
  readonly stats: SimulatorStats = { vehicles: 0, sent: 0, stored: 0, errors: 0, elapsedSeconds: 0 };
  private fleet: Simulated[] = [];
  private stopped = false;
  private readonly seenEvents = new Set<string>();
  private readonly startedAt = Date.now();

  constructor(private readonly options: SimulatorOptions) {}

  stop(): void {
    this.stopped = true;
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.body ? { 'content-type': 'application/json' } : {}) };
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    return fetch(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
  }

  /** Registers the simulated vehicles (or reuses them from an earlier run). */
  async setup(): Promise<void> {
    const random = this.options.random ?? Math.random;
    const osmandCount = Math.round(this.options.vehicles * this.options.osmandShare);
    for (let i = 0; i < this.options.vehicles; i++) {
      const id = `${this.options.fleetId}-${String(i + 1).padStart(3, '0')}`;
      const body = { id, name: `Simulated ${i + 1}`, fleetId: this.options.fleetId, type: i % 5 === 0 ? 'truck' : 'van', deviceId: `${id}-tracker` };
      let response = await this.request('/vehicles', { method: 'POST', body: JSON.stringify(body) });
      if (response.status === 409) response = await this.request(`/vehicles/${id}`);
      if (!response.ok) throw new Error(`Cannot register ${id}: ${response.status} ${await response.text()}`);
      const vehicle = (await response.json()) as { id: string; deviceId: string };
      this.fleet.push({
        vehicle: new SimulatedVehicle(vehicle.id, this.options.center, this.options.areaRadiusMeters, random, this.options.depotRadiusMeters ? this.options.center : undefined),
        deviceId: vehicle.deviceId,
        viaOsmand: i < osmandCount,
      });
    }
    this.stats.vehicles = this.fleet.length;
    if (this.options.depotRadiusMeters) {
      const { lat, lon } = this.options.center;
      const depot = { id: `${this.options.fleetId}-depot`, name: 'Depot', fleetId: this.options.fleetId, geometry: { type: 'Circle', center: [lon, lat], radius: this.options.depotRadiusMeters } };
      const response = await this.request('/geofences', { method: 'POST', body: JSON.stringify(depot) });
      if (!response.ok && response.status !== 409) throw new Error(`Cannot create the depot geofence: ${response.status} ${await response.text()}`);
    }
  }

  /** The fleet's events raised since this run started that this simulator has not returned yet, oldest first. */
  async newEvents(): Promise<ReceivedEvent[]> {
    const fresh: ReceivedEvent[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ fleetId: this.options.fleetId, since: String(this.startedAt - 60_000), limit: '200', ...(cursor && { cursor }) });
      const response = await this.request(`/events?${query}`);
      if (!response.ok) throw new Error(`GET /events: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as { items: ReceivedEvent[]; nextCursor: string | null };
      for (const event of page.items) {
        if (this.seenEvents.has(event.id)) continue;
        this.seenEvents.add(event.id);
        fresh.push(event);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return fresh;
  }

  /** Moves every vehicle one interval and reports the new positions. */
  async tick(now = Date.now()): Promise<void> {
    for (const { vehicle } of this.fleet) vehicle.advance(this.options.intervalSeconds);
    const batch = this.fleet
      .filter((s) => !s.viaOsmand)
      .map(({ vehicle }) => ({
        vehicleId: vehicle.id,
        lat: round(vehicle.position.lat, 6),
        lon: round(vehicle.position.lon, 6),
        timestamp: new Date(now).toISOString(),
        speed: round(vehicle.speedKmh, 1),
        heading: round(vehicle.heading, 1),
        accuracy: 5,
      }));
    const sends: Promise<void>[] = [];
    if (batch.length) {
      sends.push(this.report(batch.length, () => this.request('/positions', { method: 'POST', body: JSON.stringify(batch) })));
    }
    for (const { vehicle, deviceId } of this.fleet.filter((s) => s.viaOsmand)) {
      const query = new URLSearchParams({
        id: deviceId,
        timestamp: String(Math.floor(now / 1000)),
        lat: String(round(vehicle.position.lat, 6)),
        lon: String(round(vehicle.position.lon, 6)),
        speed: String(round(vehicle.speedKmh / KNOTS_TO_KMH, 2)),
        bearing: String(round(vehicle.heading, 1)),
        accuracy: '8',
        batt: String(60 + Math.floor((now / 60000) % 40)),
      });
      sends.push(this.report(1, () => this.request(`/osmand?${query}`, { method: 'POST' })));
    }
    await Promise.all(sends);
  }

  private async report(count: number, send: () => Promise<Response>): Promise<void> {
    this.stats.sent += count;
    try {
      const response = await send();
      const body = (await response.json().catch(() => ({}))) as { stored?: number; detail?: string };
      if (response.ok) this.stats.stored += body.stored ?? count;
      else {
        this.stats.errors += count - (body.stored ?? 0);
        this.stats.stored += body.stored ?? 0;
        this.stats.lastError = `${response.status} ${body.detail ?? ''}`.trim();
      }
    } catch (error) {
      this.stats.errors += count;
      this.stats.lastError = (error as Error).message;
    }
  }

  /** Runs until the duration ends or stop() is called; `onTick` sees the stats after each round. */
  async run(onTick: (stats: SimulatorStats) => void = () => undefined): Promise<SimulatorStats> {
    const started = Date.now();
    // Timestamps are per second in the OsmAnd form: never report twice in the same second.
    let lastSecond = 0;
    while (!this.stopped) {
      const tickStarted = Date.now();
      const now = Math.max(tickStarted, (lastSecond + 1) * 1000);
      lastSecond = Math.floor(now / 1000);
      await this.tick(now);
      this.stats.elapsedSeconds = (Date.now() - started) / 1000;
      onTick(this.stats);
      if (this.options.durationSeconds > 0 && this.stats.elapsedSeconds >= this.options.durationSeconds) break;
      const wait = Math.max(0, this.options.intervalSeconds * 1000 - (Date.now() - tickStarted));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return this.stats;
  }
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function progressLine(stats: SimulatorStats): string {
  const rate = stats.elapsedSeconds > 0 ? stats.stored / stats.elapsedSeconds : 0;
  return (
    `vehicles ${stats.vehicles} | sent ${stats.sent} | stored ${stats.stored} | errors ${stats.errors} | ` +
    `${rate.toFixed(1)} positions/s | ${stats.elapsedSeconds.toFixed(0)} s${stats.lastError ? ` | last error: ${stats.lastError}` : ''}`
  );
}
