import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildFunctionBundle } from '../../functions/build/bundle-function';
import { buildMapAssets } from '../../functions/build/map-assets';
import { deterministicZip } from '../../functions/build/deterministic-zip';
import { spawnSync } from 'child_process';
import { TableKey, tableName } from '../../config/names';
import { restApiEvent } from '../helpers/api-gateway-event';

/** The table variables module.api_services sets (the docs and map touch none of them). */
const TABLES: TableKey[] = ['vehicles', 'positions', 'devices', 'fleets', 'geofences', 'events', 'webhooks'];
const tableEnvironment = (environment: string) => Object.fromEntries(TABLES.map((key) => [`${key.toUpperCase()}_TABLE`, tableName(environment, key)]));

const repoRoot = path.resolve(__dirname, '..', '..');

/** Reads back the entries of a zip by its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    entries.set(name, zlib.inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize)));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

describe('the api deployment package', () => {
  const bundle = buildFunctionBundle('api');

  test('is byte-identical across two builds', () => {
    expect(buildFunctionBundle('api').sha256).toBe(bundle.sha256);
  });

  test('is byte-identical when built from a checkout somewhere else on disk', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-checkout-'));
    for (const dir of ['functions', 'config']) fs.cpSync(path.join(repoRoot, dir), path.join(elsewhere, dir), { recursive: true });
    for (const file of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(repoRoot, file), path.join(elsewhere, file));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(elsewhere, 'node_modules'));
    expect(buildFunctionBundle('api', elsewhere).sha256).toBe(bundle.sha256);
  });

  test('contains only what runs in Lambda: no dev server, test or infrastructure code', () => {
    const packages = [...bundle.packages.keys()];
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'ioredis', '@aws-sdk/client-dynamodb', '@fastify/aws-lambda', '(project)']));
    // /docs is Swagger UI over the generated document: served by @fastify/swagger (static) and @fastify/swagger-ui.
    expect(packages).toEqual(expect.arrayContaining(['@fastify/swagger', '@fastify/swagger-ui']));
    for (const devOnly of ['dynalite', 'classic-level', 'cdktf', '@cdktf/provider-aws', 'esbuild', 'jest', 'tsx', 'pino-pretty', 'playwright-core']) {
      expect([devOnly, packages.includes(devOnly)]).toEqual([devOnly, false]);
    }
    expect(bundle.code.toString('utf8')).not.toContain('Embedded DynamoDB (dynalite) started');
  });

  test('holds index.js exporting handler, free of machine paths, the live map\'s built assets and Swagger UI\'s files', () => {
    const entries = unzip(bundle.zip);
    const uiDir = path.join(repoRoot, 'node_modules', '@fastify', 'swagger-ui', 'static');
    const uiFiles = fs.readdirSync(uiDir).filter((name) => !name.endsWith('.png'));
    expect([...entries.keys()].sort()).toEqual(['index.js', 'map/map.css', 'map/map.js', ...uiFiles.map((name) => `docs-ui/${name}`)].sort());
    for (const name of uiFiles) expect([name, entries.get(`docs-ui/${name}`)!.equals(fs.readFileSync(path.join(uiDir, name)))]).toEqual([name, true]);
    const map = buildMapAssets(repoRoot);
    expect([entries.get('map/map.js')!.equals(map.js), entries.get('map/map.css')!.equals(map.css)]).toEqual([true, true]);
    // MapLibre is the map's, not the function's: it is in the page bundle only.
    expect(bundle.packages.has('maplibre-gl')).toBe(false);
    const code = entries.get('index.js')!.toString('utf8');
    expect(code).toEqual(bundle.code.toString('utf8'));
    expect(code).not.toContain(repoRoot);
    const loaded: { exports: { handler?: unknown } } = { exports: {} };
    new Function('module', 'exports', 'require', code)(loaded, loaded.exports, require);
    expect(typeof loaded.exports.handler).toBe('function');
  });
});

describe('the api deployment package, unzipped and run as Lambda runs it', () => {
  test('serves /docs (Swagger UI and its files), /docs/json and /map from the zip alone, behind a stage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-lambda-task-'));
    for (const [name, content] of unzip(buildFunctionBundle('api').zip)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
    }
    const paths = ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js', '/docs/json', '/map', '/map/map.js'];
    const events = paths.map((p) => restApiEvent({ method: 'GET', path: p, stage: 'prod' }));
    // A fresh Node in the task directory, with nothing but the zip's files: no node_modules to fall back on.
    const script =
      `const { handler } = require(${JSON.stringify(path.join(dir, 'index.js'))});` +
      `(async () => { const out = []; for (const e of ${JSON.stringify(events)}) { const r = await handler(e, { awsRequestId: 'r', getRemainingTimeInMillis: () => 3000 });` +
      ` out.push([e.path, r.statusCode, (r.headers || {})['content-type'] || '', r.body.length]); } console.log(JSON.stringify(out)); process.exit(0); })();`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, ENVIRONMENT: 'bundle', LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', ...tableEnvironment('bundle') },
    });
    expect(result.stderr).not.toMatch(/Error/);
    const answers = JSON.parse(result.stdout.trim().split('\n').pop()!) as [string, number, string, number][];
    expect(answers.map(([p, status]) => [p, status])).toEqual(paths.map((p) => [p, 200]));
    const size = Object.fromEntries(answers.map(([p, , type, bytes]) => [p, { type, bytes }]));
    expect(size['/docs/static/swagger-ui-bundle.js'].bytes).toBeGreaterThan(1_000_000);
    expect(size['/docs/json'].type).toContain('application/json');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

describe('deterministicZip', () => {
  test('does not depend on entry order and round-trips the content', () => {
    const a = { name: 'a.txt', content: Buffer.from('alpha') };
    const b = { name: 'b/b.txt', content: Buffer.from('beta'.repeat(100)) };
    const zip = deterministicZip([b, a]);
    expect(zip.equals(deterministicZip([a, b]))).toBe(true);
    expect(unzip(zip)).toEqual(new Map([['a.txt', a.content], ['b/b.txt', b.content]]));
  });
});
