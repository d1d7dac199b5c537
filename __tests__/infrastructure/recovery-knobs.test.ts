import { ENVIRONMENTS } from '../../config/environments';
import { VEHICLES_TABLE } from '../../config/tables';
import { synthesizeEntry } from '../helpers/synthesized';

describe('recovery knobs used by help/RUNBOOK.md', () => {
  test('tableNameOverrides serves a restored table under the same address; the function, its policy and the alarms follow it', () => {
    const base = ENVIRONMENTS['test-70v'];
    const read = synthesizeEntry({
      ...base,
      dynamodb: { ...base.dynamodb, tableNameOverrides: { vehicles: 'vehicle-tracking-test-70v-vehicles-restored' } },
    });
    const database = read('database');
    expect(database.resource.aws_dynamodb_table.vehicles.name).toBe('vehicle-tracking-test-70v-vehicles-restored');
    expect(database.resource.aws_dynamodb_table.positions.name).toBe('vehicle-tracking-test-70v-positions');
    expect(database.output.vehicles_table_name.value).toBe('${aws_dynamodb_table.vehicles.name}');
    const api = read('api_services').resource;
    expect(api.aws_lambda_function.api.environment.variables.VEHICLES_TABLE).toBe('vehicle-tracking-test-70v-vehicles-restored');
    expect(api.aws_iam_role_policy.api_policy.policy).toContain(':table/vehicle-tracking-test-70v-vehicles-restored"');
    const alarms = Object.values(read('monitoring').resource.aws_cloudwatch_metric_alarm) as { dimensions?: { TableName?: string } }[];
    // Read and write throttles on the table and on each of its indexes.
    expect(alarms.filter((a) => a.dimensions?.TableName === 'vehicle-tracking-test-70v-vehicles-restored').length).toBe(2 * (1 + VEHICLES_TABLE.globalSecondaryIndexes.length));
  });

  test('a restore from an automatic snapshot is refused at synth: deleting the group deletes it first', () => {
    const base = ENVIRONMENTS['test-70v'];
    expect(() => synthesizeEntry({ ...base, cache: { ...base.cache, restoreFromSnapshot: 'automatic.vehicle-tracking-test-70v-cache-001-2026-11-28-05-00' } })).toThrow(/copy it first/);
  });

  test('every cache group incarnation gets its own final snapshot name; the seed snapshot alone never replaces the group', () => {
    const base = ENVIRONMENTS['test-70v'];
    const group = synthesizeEntry({ ...base, cache: { ...base.cache, restoreFromSnapshot: 'vehicle-tracking-test-70v-cache-restore-202611280600' } })('cache')
      .resource.aws_elasticache_replication_group.main;
    // Stamped when the group is planned, then frozen in state: a later replacement plans a new name.
    expect(group.final_snapshot_identifier).toBe('vehicle-tracking-test-70v-cache-final-${formatdate("YYYYMMDDhhmm", plantimestamp())}');
    expect(group.lifecycle.ignore_changes).toEqual(['final_snapshot_identifier', 'snapshot_name']);
  });

  test('applyIndexChanges lets one apply change index definitions; otherwise Terraform leaves indexes to auto scaling', () => {
    const base = ENVIRONMENTS['test-70v'];
    const ignored = (config: typeof base) => synthesizeEntry(config)('database').resource.aws_dynamodb_table.vehicles.lifecycle.ignore_changes;
    expect(ignored(base)).toEqual(['read_capacity', 'write_capacity', 'global_secondary_index']);
    expect(ignored({ ...base, dynamodb: { ...base.dynamodb, applyIndexChanges: true } })).toEqual(['read_capacity', 'write_capacity']);
    // That apply writes every index's capacity: at the maximum, never back down to the minimum.
    const indexes = synthesizeEntry({ ...base, dynamodb: { ...base.dynamodb, applyIndexChanges: true } })('database').resource.aws_dynamodb_table.vehicles.global_secondary_index;
    const { capacity } = base.dynamodb;
    if (capacity.billingMode !== 'PROVISIONED') throw new Error('test-70v is provisioned');
    for (const index of indexes) expect([index.read_capacity, index.write_capacity]).toEqual([capacity.read.max, capacity.write.max]);
  });

  test('restoreFromSnapshot seeds the replication group from the named snapshot', () => {
    const base = ENVIRONMENTS['test-70v'];
    const read = synthesizeEntry({ ...base, cache: { ...base.cache, restoreFromSnapshot: 'vehicle-tracking-test-70v-cache-2026-11-27' } });
    expect(read('cache').resource.aws_elasticache_replication_group.main.snapshot_name).toBe('vehicle-tracking-test-70v-cache-2026-11-27');
    const normal = synthesizeEntry(base);
    expect(normal('cache').resource.aws_elasticache_replication_group.main.snapshot_name).toBeUndefined();
  });

  test('pinnedVersion keeps a rollback: the live alias serves that version whatever is published', () => {
    const base = ENVIRONMENTS.prod;
    const read = synthesizeEntry({ ...base, functions: { ...base.functions, api: { ...base.functions.api, pinnedVersion: '41' } } });
    expect(read('api_services').resource.aws_lambda_alias.api_live.function_version).toBe('41');
    expect(synthesizeEntry(base)('api_services').resource.aws_lambda_alias.api_live.function_version).toBe('${aws_lambda_function.api.version}');
  });

  test('a key in disabledApiKeyNames stays disabled in API Gateway and leaves the secret the API checks', () => {
    const base = ENVIRONMENTS.prod;
    const api = synthesizeEntry({ ...base, api: { ...base.api, disabledApiKeyNames: ['fleet-apps-2026-11'] } })('api_services').resource;
    expect(api.aws_api_gateway_api_key.rest_api_key_fleet_apps_2026_11.enabled).toBe(false);
    expect(api.aws_api_gateway_api_key.rest_api_key_telematics_gateway_2026_11.enabled).toBe(true);
    expect(api.aws_secretsmanager_secret_version.api_keys_value.secret_string).toBe('${jsonencode([aws_api_gateway_api_key.rest_api_key_telematics_gateway_2026_11.value])}');
  });
});
