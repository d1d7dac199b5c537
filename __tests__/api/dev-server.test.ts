import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ThrowawayRedis } from '../helpers/redis';

const REPO = path.resolve(__dirname, '..', '..');

/** `npm run dev` as a newcomer runs it: a real process on a real port. */
async function startDevServer(env: Record<string, string>): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'functions/api/server.ts'], {
    cwd: REPO,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  return { url, process: child, output: () => output };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

describe('the dev server (npm run dev)', () => {
  test('starts with the demo fleet, warns once and runs without Redis when none answers', async () => {
    const server = await startDevServer({ REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const vehicles = (await (await fetch(`${server.url}/vehicles?fleetId=demo`)).json()) as { items: { position: unknown }[] };
      expect(vehicles.items).toHaveLength(4);
      for (const v of vehicles.items) expect(v.position).not.toBeNull();
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
});
