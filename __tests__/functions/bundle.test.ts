import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildFunctionBundle } from '../../functions/build/bundle-function';
import { buildMapAssets } from '../../functions/build/map-assets';
import { deterministicZip } from '../../functions/build/deterministic-zip';

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
    // Build-time only: the OpenAPI generator and its YAML library (the app serves openapi.json).
    for (const devOnly of ['dynalite', 'classic-level', 'cdktf', '@cdktf/provider-aws', 'esbuild', 'jest', 'tsx', 'pino-pretty', '@fastify/swagger', 'yaml', 'playwright-core']) {
      expect([devOnly, packages.includes(devOnly)]).toEqual([devOnly, false]);
    }
    expect(bundle.code.toString('utf8')).not.toContain('Embedded DynamoDB (dynalite) started');
  });

  test('holds index.js exporting handler, free of machine paths, and the live map\'s built assets', () => {
    const entries = unzip(bundle.zip);
    expect([...entries.keys()]).toEqual(['index.js', 'map/map.css', 'map/map.js']);
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

describe('deterministicZip', () => {
  test('does not depend on entry order and round-trips the content', () => {
    const a = { name: 'a.txt', content: Buffer.from('alpha') };
    const b = { name: 'b/b.txt', content: Buffer.from('beta'.repeat(100)) };
    const zip = deterministicZip([b, a]);
    expect(zip.equals(deterministicZip([a, b]))).toBe(true);
    expect(unzip(zip)).toEqual(new Map([['a.txt', a.content], ['b/b.txt', b.content]]));
  });
});
