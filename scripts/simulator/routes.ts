import { Point, bearing, distanceMeters, travel } from '../../functions/api/domain/geo';

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
