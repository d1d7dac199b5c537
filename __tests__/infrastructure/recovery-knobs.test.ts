import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { ENVIRONMENTS, EnvironmentConfig } from '../../config/environments';
import { VehicleTrackingStack } from '../../modules/vehicle-tracking-stack';

/** Synthesizes one environment entry as given (not from ENVIRONMENTS) and reads a module back. */
function synthesizeEntry(config: EnvironmentConfig) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-recovery-'));
  const app = new App({ outdir });
  new VehicleTrackingStack(app, config);
  app.synth();
  const dir = path.join(outdir, 'stacks', `vehicle-tracking-${config.name}`);
  return (module: string) => JSON.parse(fs.readFileSync(path.join(dir, 'modules', module, 'main.tf.json'), 'utf8'));
}

describe('recovery knobs used by help/RUNBOOK.md', () => {
  test('tableNameOverrides serves a restored table under the same address; the function and alarms follow the outputs', () => {
    const base = ENVIRONMENTS['test-70v'];
    const read = synthesizeEntry({
      ...base,
      dynamodb: { ...base.dynamodb, tableNameOverrides: { vehicles: 'vehicle-tracking-test-70v-vehicles-restored' } },
    });
    const database = read('database');
    expect(database.resource.aws_dynamodb_table.vehicles.name).toBe('vehicle-tracking-test-70v-vehicles-restored');
    expect(database.resource.aws_dynamodb_table.positions.name).toBe('vehicle-tracking-test-70v-positions');
    expect(database.output.vehicles_table_name.value).toBe('${aws_dynamodb_table.vehicles.name}');
    expect(read('api_services').resource.aws_lambda_function.api.environment.variables.VEHICLES_TABLE).toBe('${var.vehicles_table_name}');
  });

  test('restoreFromSnapshot seeds the replication group from the named snapshot', () => {
    const base = ENVIRONMENTS['test-70v'];
    const read = synthesizeEntry({ ...base, cache: { ...base.cache, restoreFromSnapshot: 'vehicle-tracking-test-70v-cache-2026-11-27' } });
    expect(read('cache').resource.aws_elasticache_replication_group.main.snapshot_name).toBe('vehicle-tracking-test-70v-cache-2026-11-27');
    const normal = synthesizeEntry(base);
    expect(normal('cache').resource.aws_elasticache_replication_group.main.snapshot_name).toBeUndefined();
  });
});
