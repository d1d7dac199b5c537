import { distanceMeters } from '../../functions/api/domain/geo';

const EARTH_RADIUS_M = 6_371_008.8;
const toRad = (d: number) => (d * Math.PI) / 180;
const toDeg = (r: number) => (r * 180) / Math.PI;

export interface Point {
  readonly lat: number;
  readonly lon: number;
}

/** Initial bearing from a to b, degrees clockwise from north. */
export function bearing(a: Point, b: Point): number {
  const y = Math.sin(toRad(b.lon - a.lon)) * Math.cos(toRad(b.lat));
  const x = Math.cos(toRad(a.lat)) * Math.sin(toRad(b.lat)) - Math.sin(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.cos(toRad(b.lon - a.lon));
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

/** The point `meters` away from `from` along `headingDegrees`. */
export function travel(from: Point, headingDegrees: number, meters: number): Point {
  const d = meters / EARTH_RADIUS_M;
  const h = toRad(headingDegrees);
  const lat1 = toRad(from.lat);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(h));
  const lon2 = toRad(from.lon) + Math.atan2(Math.sin(h) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: toDeg(lat2), lon: ((toDeg(lon2) + 540) % 360) - 180 };
}

/** A random point within `radiusMeters` of `center`. */
export function randomPointNear(center: Point, radiusMeters: number, random: () => number): Point {
  return travel(center, random() * 360, Math.sqrt(random()) * radiusMeters);
}

/**
 * One simulated vehicle driving from waypoint to waypoint around a centre, at a cruising speed
 * that drifts between urban and ring-road values, slowing down near each waypoint. With a depot, it
 * starts there and every other waypoint is the depot: it shuttles between the depot and customers,
 * so it leaves and enters the depot geofence within minutes.
 */
export class SimulatedVehicle {
  position: Point;
  speedKmh: number;
  heading = 0;
  private waypoint: Point;

  constructor(
    readonly id: string,
    private readonly center: Point,
    private readonly areaRadiusMeters: number,
    private readonly random: () => number,
    private readonly depot?: Point,
  ) {
    this.position = depot ?? randomPointNear(center, areaRadiusMeters, random);
    this.waypoint = randomPointNear(center, areaRadiusMeters, random);
    this.speedKmh = 20 + random() * 50;
  }

  /** Advances by `seconds` of driving. */
  advance(seconds: number): void {
    const remaining = distanceMeters(this.position.lat, this.position.lon, this.waypoint.lat, this.waypoint.lon);
    if (remaining < 30) {
      const atDepot = this.depot !== undefined && distanceMeters(this.waypoint.lat, this.waypoint.lon, this.depot.lat, this.depot.lon) < 1;
      this.waypoint = this.depot && !atDepot ? this.depot : randomPointNear(this.center, this.areaRadiusMeters, this.random);
      this.speedKmh = 15 + this.random() * 15; // pulling away
    } else {
      const cruise = 25 + this.random() * 65;
      this.speedKmh += (cruise - this.speedKmh) * 0.2;
      if (remaining < 200) this.speedKmh = Math.min(this.speedKmh, 25);
    }
    this.heading = bearing(this.position, this.waypoint);
    const meters = Math.min(remaining, (this.speedKmh / 3.6) * seconds);
    this.position = travel(this.position, this.heading, meters);
  }
}
