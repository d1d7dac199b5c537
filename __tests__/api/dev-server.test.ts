import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ThrowawayRedis } from '../helpers/redis';
import { startDevServer, stop } from '../helpers/dev-server';
import { DEMO_VEHICLES } from '../../functions/local/demo-fleet';

describe('the dev server (npm run dev)', () => {
  test('starts with the demo fleet, warns once and runs without Redis when none answers', async () => {
    const server = await startDevServer({ REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const vehicles = (await (await fetch(`${server.url}/vehicles?fleetId=demo`)).json()) as { items: { position: unknown }[] };
      expect(vehicles.items).toHaveLength(4);
      for (const v of vehicles.items) expect(v.position).not.toBeNull();
      // Each arrived by a short drive: /map has a track to walk (30 fixes over 10 minutes), parked where listed.
      const history = (await (await fetch(`${server.url}/vehicles/demo-van-1/positions?limit=100`)).json()) as { items: { lat: number; lon: number; speed: number }[] };
      expect(history.items).toHaveLength(30);
      expect(history.items[29]).toMatchObject({ lat: DEMO_VEHICLES[0].lat, lon: DEMO_VEHICLES[0].lon, speed: 0 });
      expect(history.items[0].speed).toBeGreaterThan(30);
      expect(server.output().match(/running WITHOUT the cache/g)).toHaveLength(1);
    } finally {
      await stop(server.process);
    }
  });

  test('keeps its data in DEV_DATA_DIR across restarts, and uses Redis when it answers', async () => {
    const redis = await ThrowawayRedis.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-devdata-'));
    const env = { DEV_DATA_DIR: dir, REDIS_URL: redis.url, SEED_DEMO: '0' };
    try {
      let server = await startDevServer(env);
      const created = await fetch(`${server.url}/vehicles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'kept-1', name: 'Kept' }),
      });
      expect(created.status).toBe(201);
      await stop(server.process);
      server = await startDevServer(env);
      try {
        expect((await fetch(`${server.url}/vehicles/kept-1`)).status).toBe(200);
        const ready = (await (await fetch(`${server.url}/health/ready`)).json()) as { cache: { status: string } };
        expect(ready.cache.status).toBe('up');
      } finally {
        await stop(server.process);
      }
    } finally {
      await redis.stop();
    }
  });

  test('an empty REDIS_URL means no cache, with the same warning as none', async () => {
    const server = await startDevServer({ REDIS_URL: '' });
    try {
      expect((await fetch(`${server.url}/vehicles/demo-van-1`)).status).toBe(200);
      expect(server.output()).toMatch(/REDIS_URL is empty: running WITHOUT the cache/);
    } finally {
      await stop(server.process);
    }
  });

  test('two dev servers sharing one Redis keep their data apart', async () => {
    const redis = await ThrowawayRedis.start();
    const a = await startDevServer({ REDIS_URL: redis.url, SEED_DEMO: '0' });
    const b = await startDevServer({ REDIS_URL: redis.url, SEED_DEMO: '0' });
    try {
      const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post(`${a.url}/vehicles`, { id: 'only-in-a', name: 'A' })).status).toBe(201);
      expect((await post(`${a.url}/vehicles/only-in-a/positions`, { lat: 1, lon: 2, timestamp: new Date(Date.now() - 60_000).toISOString() })).status).toBe(200);
      expect((await fetch(`${a.url}/vehicles/only-in-a/position`)).headers.get('x-cache')).toBe('hit');
      // b has never heard of it: not from its database, and not from the shared cache either.
      expect((await fetch(`${b.url}/vehicles/only-in-a/position`)).status).toBe(404);
      expect((await fetch(`${b.url}/vehicles/only-in-a`)).status).toBe(404);
      // A third server starting (and clearing its own namespace) leaves a's entries alone.
      const c = await startDevServer({ REDIS_URL: redis.url, SEED_DEMO: '0' });
      await stop(c.process);
      expect((await fetch(`${a.url}/vehicles/only-in-a/position`)).headers.get('x-cache')).toBe('hit');
    } finally {
      await stop(a.process);
      await stop(b.process);
      await redis.stop();
    }
  });

  test('npm run dev stops with npm: a SIGTERM to npm, or npm killed outright, frees the port', async () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const server = await startDevServer({ REDIS_URL: '', SEED_DEMO: '0' }, ['npm', 'run', '--silent', 'dev']);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      server.process.kill(signal);
      const deadline = Date.now() + 5000;
      let answering = true;
      while (answering && Date.now() < deadline) {
        answering = await fetch(`${server.url}/health`).then(() => true, () => false);
        if (answering) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect([signal, answering]).toEqual([signal, false]);
    }
  });

  test('bound to all interfaces, it prints the URLs phones on the network can use', async () => {
    const server = await startDevServer({ REDIS_URL: '', SEED_DEMO: '0', HOST: '0.0.0.0' });
    try {
      const deadline = Date.now() + 3000;
      while (!server.output().includes('Traccar Client') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.output()).toMatch(/Traccar Client server URL: http:\/\/127\.0\.0\.1:\d+\/osmand/);
      const lan = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
      if (lan) expect(server.output()).toContain(`http://${lan.address}:`);
    } finally {
      await stop(server.process);
    }
  });
});
