/**
 * `npm run bench [-- synth|bundle|ingest]`: reruns the speed checks and prints one line each,
 * with the machine and the date, for help/LOCAL_DEVELOPMENT.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFunctionBundle } from '../functions/build/bundle-function';

const REPO = path.resolve(__dirname, '..');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function benchSynth(): string {
  const runs = Array.from({ length: 3 }, () => {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'main.ts'], { cwd: REPO, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - started) / 1e9;
  });
  return `synth, all environments (npm run synth, wall): median ${median(runs).toFixed(2)} s of ${runs.map((r) => r.toFixed(2)).join(' / ')} (target < 10 s)`;
}

function benchBundle(): string {
  const started = process.hrtime.bigint();
  const bundle = buildFunctionBundle('api');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vt-bench-')), 'index.js');
  fs.writeFileSync(file, bundle.code);
  // Time for a fresh Node process to load the bundle and run its module-level init (the cold-start share we control).
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));process.exit(0)`;
  const env = { ...process.env, ENVIRONMENT: 'bench', VEHICLES_TABLE: 'v', POSITIONS_TABLE: 'p', DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' };
  const loads = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script], { env }).toString()));
  return `api bundle: ${(bundle.code.length / 1024).toFixed(0)} KiB JS, ${(bundle.zip.length / 1024).toFixed(0)} KiB zip, built in ${ms.toFixed(0)} ms; require() in a fresh process: median ${median(loads).toFixed(0)} ms`;
}

async function benchIngest(): Promise<string> {
  // Imported lazily: only this bench needs dynalite and Redis.
  const { startTestApp, createVehicle } = await import('../__tests__/helpers/test-app');
  const { sharedRedisUrl } = await import('../__tests__/helpers/redis');
  const t = await startTestApp({ redisUrl: await sharedRedisUrl().catch(() => undefined) });
  try {
    const { id } = await createVehicle(t.app);
    const batches = 20;
    const now = Date.now();
    const started = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      const payload = Array.from({ length: 500 }, (_, i) => ({ lat: 52 + i / 1e4, lon: 4.9, timestamp: now - (b * 500 + i) * 1000 }));
      const response = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload });
      if (response.statusCode !== 200) throw new Error(response.body);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return `ingest through inject on dynalite + Redis: ${batches} x 500 positions in ${seconds.toFixed(2)} s = ${Math.round((batches * 500) / seconds)} positions/s (dynalite-bound; DynamoDB itself is faster)`;
  } finally {
    await t.close();
  }
}

async function main(): Promise<void> {
  const which = process.argv[2];
  console.log(`# ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  if (!which || which === 'synth') console.log(benchSynth());
  if (!which || which === 'bundle') console.log(benchBundle());
  if (!which || which === 'ingest') console.log(await benchIngest());
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
