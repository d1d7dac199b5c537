import { spawnSync } from 'child_process';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { FleetSimulator, progressLine } from '../../scripts/simulator/fleet-simulator';
import { distanceMeters } from '../../functions/api/domain/geo';
import { TestApp, startTestApp } from '../helpers/test-app';

describe('npm run simulate against a running API', () => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await startTestApp({ apiKeys: ['sim-key'] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  test('a short run stores exactly the positions it reports as sent, by both routes, at plausible speeds', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const simulator = new FleetSimulator({
      baseUrl, apiKey: 'sim-key', vehicles: 6, intervalSeconds: 1, durationSeconds: 2, osmandShare: 0.5,
      fleetId: 'simtest', center: { lat: 52.3676, lon: 4.9041 }, areaRadiusMeters: 3000, random,
    });
    await simulator.setup();
    const lines: string[] = [];
    const stats = await simulator.run((s) => lines.push(progressLine(s)));
    expect(stats.errors).toBe(0);
    expect(stats.sent).toBeGreaterThanOrEqual(12);
    expect(stats.stored).toBe(stats.sent);
    expect(lines.at(-1)).toMatch(new RegExp(`^vehicles 6 \\| sent ${stats.sent} \\| stored ${stats.stored} \\| errors 0 \\| [\\d.]+ positions/s`));

    const headers = { 'x-api-key': 'sim-key' };
    const vehicles = (await t.app.inject({ method: 'GET', url: '/vehicles?fleetId=simtest&limit=100', headers })).json().items;
    expect(vehicles).toHaveLength(6);
    let stored = 0;
    for (const vehicle of vehicles) {
      const history = (await t.app.inject({ method: 'GET', url: `/vehicles/${vehicle.id}/positions?limit=1000`, headers })).json().items;
      stored += history.length;
      for (let i = 1; i < history.length; i++) {
        const meters = distanceMeters(history[i - 1].lat, history[i - 1].lon, history[i].lat, history[i].lon);
        const seconds = (Date.parse(history[i].timestamp) - Date.parse(history[i - 1].timestamp)) / 1000;
        expect(meters / seconds).toBeLessThan(130 / 3.6); // no teleporting: under 130 km/h
      }
      expect(vehicle.position).not.toBeNull();
    }
    expect(stored).toBe(stats.stored);
  });

  test('--depot: the depot geofence is created for the fleet, and the events its vehicles raise are printed once each', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const options = {
      baseUrl, apiKey: 'sim-key', vehicles: 8, intervalSeconds: 1, durationSeconds: 2, osmandShare: 0.25,
      fleetId: 'depottest', center: { lat: 52.3676, lon: 4.9041 }, areaRadiusMeters: 3000, depotRadiusMeters: 1500, random,
    };
    await new FleetSimulator(options).setup(); // an earlier run: the next one reuses its vehicles and depot
    const simulator = new FleetSimulator(options);
    await simulator.setup();
    await simulator.run();
    await t.services.eventFeed.settled();
    const events = await simulator.newEvents();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.geofenceName === 'Depot' && e.vehicleId.startsWith('depottest-'))).toBe(true);
    expect(await simulator.newEvents()).toEqual([]); // each printed once
    const depot = await t.app.inject({ method: 'GET', url: '/geofences/depottest-depot', headers: { 'x-api-key': 'sim-key' } });
    expect(depot.json()).toMatchObject({ fleetId: 'depottest', geometry: { type: 'Circle', radius: 1500 } });
  });

  test('--help lists every option, and an unknown one is a short usage message, not a stack trace', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });
    const help = run('--help');
    expect(help.status).toBe(0);
    for (const option of ['--base-url', '--api-key', '--vehicles', '--interval', '--duration', '--osmand-share', '--fleet', '--help']) expect(help.stdout).toContain(option);
    const unknown = run('--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    expect(unknown.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
