/**
 * Trips and stops from a vehicle's kept fixes in time order, with Traccar's semantics: a stop is
 * time spent not moving (slower than the speed threshold) for at least minStopSeconds, or a gap in
 * the data of at least maxGapSeconds; a trip is the movement between two stops, and one shorter than
 * minTripMeters is no trip (its stops merge). Incremental: it holds only the current trip and stop,
 * so a day of history at 1 Hz is summarised without holding it.
 */
import type { TripSettings } from '../../../config/trackers';
import { distanceMeters } from './geo';
import { round } from './text';

export interface TrackFix {
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  /** km/h */
  readonly speed?: number;
}

export interface Place {
  readonly timestamp: string;
  readonly lat: number;
  readonly lon: number;
}

export interface Trip {
  readonly start: Place;
  readonly end: Place;
  readonly durationSeconds: number;
  readonly distanceMeters: number;
  readonly maxSpeedKmh: number;
  readonly averageSpeedKmh: number;
}

export interface Stop {
  readonly start: Place;
  readonly end: Place;
  readonly durationSeconds: number;
  /** Where it stood (the stop's first fix). */
  readonly lat: number;
  readonly lon: number;
  /** A gap in the data rather than fixes showing it still. */
  readonly noData: boolean;
}

const place = (fix: TrackFix): Place => ({ timestamp: new Date(fix.ts).toISOString(), lat: fix.lat, lon: fix.lon });

export class TripDetector {
  private readonly trips: Trip[] = [];
  private readonly stops: Stop[] = [];
  private previous?: TrackFix;
  /** The movement since the last stop: where it began, how far and how fast it went. */
  private tripStart?: TrackFix;
  private tripMeters = 0;
  private tripMaxKmh = 0;
  /** Where the current still run began, and the movement up to there (it becomes the trip if the run is a stop). */
  private stillFrom?: { fix: TrackFix; meters: number; maxKmh: number };
  /** A confirmed stop still going on. */
  private stop?: { first: TrackFix; last: TrackFix; noData: boolean };
  /** Whether the last thing recorded was a stop (a too-short movement after it merges the next stop into it). */
  private lastWasStop = false;

  constructor(private readonly settings: TripSettings) {}

  add(fix: TrackFix): void {
    const previous = this.previous;
    this.previous = fix;
    if (!previous) {
      this.tripStart = fix;
      return;
    }
    const meters = distanceMeters(previous.lat, previous.lon, fix.lat, fix.lon);
    const seconds = (fix.ts - previous.ts) / 1000;
    if (seconds >= this.settings.maxGapSeconds) {
      // No data for long: what was under way ended at the last fix, and the gap is a stop.
      if (!this.stop) this.beginStop(previous, true);
      else this.stop.noData = true;
      this.stop!.last = fix;
      return;
    }
    const kmh = fix.speed ?? (seconds > 0 ? (meters / seconds) * 3.6 : 0);
    const moving = kmh > this.settings.speedThresholdKmh;
    if (this.stop) {
      if (!moving) {
        this.stop.last = fix;
        return;
      }
      this.closeStop();
      this.tripStart = previous;
      this.tripMeters = meters;
      this.tripMaxKmh = kmh;
      return;
    }
    this.tripMeters += meters;
    if (moving) {
      this.tripMaxKmh = Math.max(this.tripMaxKmh, kmh);
      this.stillFrom = undefined;
      return;
    }
    this.stillFrom ??= { fix: previous, meters: this.tripMeters - meters, maxKmh: this.tripMaxKmh };
    if ((fix.ts - this.stillFrom.fix.ts) / 1000 >= this.settings.minStopSeconds) {
      this.beginStop(this.stillFrom.fix, false);
      this.stop!.last = fix;
    }
  }

  /** The trips and stops so far; one under way at the last fix is included as it stands. */
  finish(): { trips: Trip[]; stops: Stop[] } {
    if (this.stop) this.closeStop();
    else if (this.previous && this.tripStart && this.previous !== this.tripStart) this.endTrip(this.previous, this.tripMeters, this.tripMaxKmh);
    return { trips: this.trips, stops: this.stops };
  }

  /** The movement ends at `at` (a trip, if long enough) and a stop begins there. */
  private beginStop(at: TrackFix, noData: boolean): void {
    const [meters, maxKmh] = this.stillFrom?.fix === at ? [this.stillFrom.meters, this.stillFrom.maxKmh] : [this.tripMeters, this.tripMaxKmh];
    const trip = this.tripStart ? this.endTrip(at, meters, maxKmh) : false;
    this.stillFrom = undefined;
    this.tripStart = undefined;
    this.tripMeters = 0;
    this.tripMaxKmh = 0;
    if (!trip && this.lastWasStop) {
      // Moved too little to be a trip since the last stop: that stop goes on.
      const earlier = this.stops.pop()!;
      const first = { ts: Date.parse(earlier.start.timestamp), lat: earlier.lat, lon: earlier.lon };
      this.stop = { first, last: at, noData: earlier.noData || noData };
      return;
    }
    this.stop = { first: at, last: at, noData };
  }

  private closeStop(): void {
    const { first, last, noData } = this.stop!;
    this.stop = undefined;
    this.stops.push({ start: place(first), end: place(last), durationSeconds: Math.round((last.ts - first.ts) / 1000), lat: first.lat, lon: first.lon, noData });
    this.lastWasStop = true;
  }

  /** Records the movement from tripStart to `end` as a trip if it is one; whether it was. */
  private endTrip(end: TrackFix, meters: number, maxKmh: number): boolean {
    const start = this.tripStart!;
    const seconds = (end.ts - start.ts) / 1000;
    if (meters < this.settings.minTripMeters || seconds <= 0) return false;
    this.trips.push({
      start: place(start),
      end: place(end),
      durationSeconds: Math.round(seconds),
      distanceMeters: Math.round(meters),
      maxSpeedKmh: round(maxKmh, 1),
      averageSpeedKmh: round((meters / seconds) * 3.6, 1),
    });
    this.lastWasStop = false;
    return true;
  }
}
