import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** scripts/ensure-installed.mjs decides when `npm run dev` / `npm test` must run `npm ci` first. */
describe('install on first use', () => {
  const script = path.resolve(__dirname, '../../scripts/ensure-installed.mjs');
  const checkout = (lock: object, installed?: object) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-ensure-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(script, path.join(dir, 'scripts', 'ensure-installed.mjs'));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock));
    if (installed) {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), JSON.stringify(installed));
    }
    const result = spawnSync(process.execPath, [path.join(dir, 'scripts', 'ensure-installed.mjs'), '--check'], { encoding: 'utf8' });
    return { due: result.status === 1, reason: result.stderr.trim() };
  };
  const lock = {
    packages: {
      '': { name: 'vehicle-tracking' },
      'node_modules/fastify': { version: '5.12.8' },
      'node_modules/@esbuild/win32-x64': { version: '0.28.2', optional: true },
    },
  };

  test('a fresh clone (no node_modules) installs', () => {
    expect(checkout(lock)).toEqual({ due: true, reason: 'node_modules is missing' });
  });

  test('an install matching the lockfile does not (another platform\'s optional binaries are never there)', () => {
    expect(checkout(lock, { packages: { 'node_modules/fastify': { version: '5.12.8' } } })).toEqual({ due: false, reason: '' });
  });

  test('a lockfile changed since (a pull that bumped a dependency) installs again', () => {
    expect(checkout(lock, { packages: { 'node_modules/fastify': { version: '5.11.0' } } })).toEqual({ due: true, reason: 'fastify 5.12.8 is not installed' });
  });

  test('this checkout is installed as its lockfile says', () => {
    expect(spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' }).status).toBe(0);
  });
});
