import { execFileSync } from 'child_process';
import * as path from 'path';
import { ENVIRONMENTS, getEnvironment, validateEnvironment } from '../../config/environments';
import { selectedEnvironments } from '../../main';

describe('environments', () => {
  test('an unknown environment fails with a message listing the known ones', () => {
    expect(() => getEnvironment('qa')).toThrow('Unknown environment "qa". Known environments: test-70v, prod.');
    expect(() => selectedEnvironments([], { ENVIRONMENT: 'qa' })).toThrow(/Known environments: test-70v, prod/);
  });

  test('the runbook environment and prod ship; no argument means all', () => {
    expect(selectedEnvironments([], {})).toEqual(['account', 'test-70v', 'prod']);
    expect(selectedEnvironments(['account'], {})).toEqual(['account']);
    expect(selectedEnvironments(['prod'], { ENVIRONMENT: 'test-70v' })).toEqual(['prod']);
  });

  test('a mistyped entry is rejected naming the key', () => {
    const broken = { ...ENVIRONMENTS.prod, cache: { ...ENVIRONMENTS.prod.cache, snapshotRetentionDays: 2 } };
    expect(() => validateEnvironment(broken)).toThrow('cache.snapshotRetentionDays must be >= 7 in prod');
  });

  test('a WAF per-IP limit below what one key may send through the usage plan is rejected', () => {
    // prod used to allow 1,000 req/s per key while the WAF blocked an IP above 10,000 per 5 minutes (33 req/s).
    const broken = { ...ENVIRONMENTS.prod, api: { ...ENVIRONMENTS.prod.api, waf: { enabled: true, rateLimitPer5Minutes: 10_000 } } };
    expect(() => validateEnvironment(broken)).toThrow('api.waf.rateLimitPer5Minutes must be >= api.throttleRateLimit × 300 (300000)');
    for (const env of Object.values(ENVIRONMENTS)) expect(env.api.waf.rateLimitPer5Minutes).toBeGreaterThanOrEqual(env.api.throttleRateLimit * 300);
  });

  test('npm run synth with an unknown environment exits non-zero with the message', () => {
    const repoRoot = path.resolve(__dirname, '..', '..');
    let stderr = '';
    try {
      execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'main.ts', 'qa'], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('Unknown environment "qa". Known environments: test-70v, prod.');
  });
});
