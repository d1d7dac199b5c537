import { travel } from '../api/domain/geo';
import type { Services } from '../api/services';

/** A small demo fleet around Amsterdam, so a fresh dev server has something to show. */
export const DEMO_VEHICLES = [
  { id: 'demo-van-1', name: 'Van 1', plate: 'VT-001-A', type: 'van', lat: 52.3676, lon: 4.9041 },
  { id: 'demo-van-2', name: 'Van 2', plate: 'VT-002-B', type: 'van', lat: 52.3791, lon: 4.9003 },
  { id: 'demo-truck-1', name: 'Truck 1', plate: 'VT-101-C', type: 'truck', lat: 52.3105, lon: 4.7683 },
  { id: 'demo-car-1', name: 'Car 1', plate: 'VT-201-D', type: 'car', lat: 52.3560, lon: 4.9530 },
] as const;
export const DEMO_FLEET_ID = 'demo';

/** Each demo vehicle arrives where it stands after a short drive: fixes every 20 s over the last 10 minutes. */
const DRIVE_FIXES = 30;
const DRIVE_INTERVAL_MS = 20_000;
const DRIVE_SPEED_KMH = 40;

/**
 * The drive's fixes, oldest first: towards the vehicle's place from a few km off (each vehicle from
 * its own side), weaving a little, the last one parked there at 0 km/h. So /map shows a track to walk.
 */
export function demoDrive(v: { lat: number; lon: number }, index: number, now: number) {
  const heading = (index * 97 + 30) % 360;
  const stepMeters = (DRIVE_SPEED_KMH / 3.6) * (DRIVE_INTERVAL_MS / 1000);
  return Array.from({ length: DRIVE_FIXES }, (_, i) => {
    const left = DRIVE_FIXES - 1 - i; // steps still to go
    const behind = travel(v, heading + 180, left * stepMeters);
    const at = travel(behind, heading + 90, Math.sin(left / 3) * 60); // weaving a little; 0 at the end
    return {
      lat: Number(at.lat.toFixed(6)),
      lon: Number(at.lon.toFixed(6)),
      timestamp: now - left * DRIVE_INTERVAL_MS,
      speed: left === 0 ? 0 : DRIVE_SPEED_KMH + Math.round(Math.sin(i) * 5),
      heading,
    };
  });
}

/** Registers the demo vehicles that are missing and gives each a short drive that ends where it stands. */
export async function seedDemoFleet(services: Services, now = Date.now()): Promise<number> {
  const known = await services.vehicles.existing(DEMO_VEHICLES.map((v) => v.id));
  const missing = DEMO_VEHICLES.filter((v) => !known.has(v.id));
  for (const v of missing) {
    await services.registry.register({ id: v.id, name: v.name, plate: v.plate, type: v.type, fleetId: DEMO_FLEET_ID, deviceId: `${v.id}-tracker` }, now);
  }
  if (missing.length) {
    await services.ingest.ingest(
      missing.flatMap((v) => demoDrive(v, DEMO_VEHICLES.indexOf(v), now).map((input, i) => ({ vehicleId: v.id, input, field: `${v.id}[${i}]` }))),
      now,
    );
  }
  return missing.length;
}
