import type { Services } from '../api/services';

/** A small demo fleet around Amsterdam, so a fresh dev server has something to show. */
export const DEMO_VEHICLES = [
  { id: 'demo-van-1', name: 'Van 1', plate: 'VT-001-A', type: 'van', lat: 52.3676, lon: 4.9041 },
  { id: 'demo-van-2', name: 'Van 2', plate: 'VT-002-B', type: 'van', lat: 52.3791, lon: 4.9003 },
  { id: 'demo-truck-1', name: 'Truck 1', plate: 'VT-101-C', type: 'truck', lat: 52.3105, lon: 4.7683 },
  { id: 'demo-car-1', name: 'Car 1', plate: 'VT-201-D', type: 'car', lat: 52.3560, lon: 4.9530 },
] as const;
export const DEMO_FLEET_ID = 'demo';

/** Registers the demo vehicles that are missing and gives each a first position. */
export async function seedDemoFleet(services: Services, now = Date.now()): Promise<number> {
  const known = await services.vehicles.existing(DEMO_VEHICLES.map((v) => v.id));
  const missing = DEMO_VEHICLES.filter((v) => !known.has(v.id));
  for (const v of missing) {
    await services.registry.register({ id: v.id, name: v.name, plate: v.plate, type: v.type, fleetId: DEMO_FLEET_ID, deviceId: `${v.id}-tracker` }, now);
  }
  if (missing.length) {
    await services.ingest.ingest(
      missing.map((v) => ({ vehicleId: v.id, input: { lat: v.lat, lon: v.lon, timestamp: now, speed: 0 }, field: v.id })),
      now,
    );
  }
  return missing.length;
}
