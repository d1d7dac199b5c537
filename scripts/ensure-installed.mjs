// Runs before `npm run dev`, `npm test`, `npm run synth`: installs the dependencies on first use,
// or when package-lock.json changed since, so a fresh clone needs no separate install step.
// Plain Node with no dependencies: it runs before there are any.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Why node_modules does not match package-lock.json, or undefined when it does. */
function staleness() {
  const installedFile = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installedFile)) return 'node_modules is missing';
  const wanted = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages;
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '') continue;
    const have = installed[path];
    // Optional packages for other platforms (esbuild's binaries) are never installed here.
    if (!have && entry.optional) continue;
    if (!have || have.version !== entry.version) return `${path.replace(/^node_modules\//, '')} ${entry.version} is not installed`;
  }
  return undefined;
}

const reason = staleness();
if (process.argv.includes('--check')) {
  // Reports only: exit 1 with the reason when an install is due.
  if (reason) console.error(reason);
  process.exit(reason ? 1 : 0);
}
if (reason) {
  console.error(`Installing dependencies with npm ci (${reason}); this happens once.`);
  // Windows runs npm.cmd, which Node only starts through a shell.
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
}
