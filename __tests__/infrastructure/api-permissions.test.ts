import * as fs from 'fs';
import * as path from 'path';
import { environmentNames } from '../../config/environments';
import { API_DYNAMODB_ACCESS } from '../../functions/api/permissions';
import { synthesizeAll } from '../helpers/synthesized';

const COMMAND_TO_ACTION: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
};

/** The commands a store sends, its base class's included (`extends RevisionedItems`). */
function actionsSentBy(file: string): string[] {
  const read = (name: string) => fs.readFileSync(path.resolve(__dirname, '../../functions/api/services', name), 'utf8');
  const own = read(file);
  const source = own.includes('extends RevisionedItems') ? own + read('revisioned-items.ts') : own;
  const commands = [...source.matchAll(/new (\w+Command)\(/g)].map((m) => m[1]);
  return [...new Set(commands.map((c) => COMMAND_TO_ACTION[c] ?? `unmapped ${c}`))].sort();
}

describe('the API function is granted exactly the DynamoDB actions its code sends', () => {
  test('the declared lists match the commands in the stores', () => {
    const positions = actionsSentBy('position-store.ts');
    expect([...API_DYNAMODB_ACCESS.devices].sort()).toEqual(actionsSentBy('device-store.ts'));
    expect([...API_DYNAMODB_ACCESS.fleets].sort()).toEqual(actionsSentBy('fleet-store.ts'));
    // The geofence store's and the event store's Query run on the tables (events) and their indexes.
    expect([...API_DYNAMODB_ACCESS.geofences, ...API_DYNAMODB_ACCESS.geofenceIndexes].sort()).toEqual(actionsSentBy('geofence-store.ts'));
    expect([...API_DYNAMODB_ACCESS.events].sort()).toEqual(actionsSentBy('event-store.ts'));
    // recordOutcome (UpdateItem) is the delivery function's: the API only edits webhooks.
    expect([...API_DYNAMODB_ACCESS.webhooks, 'dynamodb:UpdateItem'].sort()).toEqual(actionsSentBy('webhook-store.ts'));
    const vehicles = actionsSentBy('vehicle-store.ts');
    expect([...API_DYNAMODB_ACCESS.positions].sort()).toEqual(positions);
    // The vehicle store's one Query runs on the byFleet index, not the table.
    expect([...API_DYNAMODB_ACCESS.vehicles, ...API_DYNAMODB_ACCESS.vehicleIndexes].sort()).toEqual(vehicles);
  });

  test.each(environmentNames())('%s: the synthesized policy grants them on exactly those ARNs', (environment) => {
    const policy = synthesizeAll().resources(environment, 'api_services', 'aws_iam_role_policy').api_policy;
    const statements: { Action: string[]; Resource: string[] }[] = JSON.parse(policy.policy).Statement;
    const dynamo = statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    // By name (not through module.database), so the policy never pulls a table into a targeted apply.
    const arn = (table: string) => `arn:aws:dynamodb:\${data.aws_region.current_region.region}:\${data.aws_caller_identity.current.account_id}:table/vehicle-tracking-${environment}-${table}`;
    expect(dynamo).toEqual([
      { Sid: 'Vehicles', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.vehicles], Resource: [arn('vehicles')] },
      { Sid: 'VehicleIndexes', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.vehicleIndexes], Resource: [`${arn('vehicles')}/index/byFleet`, `${arn('vehicles')}/index/byGeoCell`, `${arn('vehicles')}/index/byGeoTile`] },
      { Sid: 'Positions', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.positions], Resource: [arn('positions')] },
      { Sid: 'Devices', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.devices], Resource: [arn('devices')] },
      { Sid: 'Fleets', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.fleets], Resource: [arn('fleets')] },
      { Sid: 'Geofences', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.geofences], Resource: [arn('geofences')] },
      { Sid: 'GeofenceIndexes', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.geofenceIndexes], Resource: [`${arn('geofences')}/index/byFleet`] },
      { Sid: 'Events', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.events], Resource: [arn('events')] },
      { Sid: 'EventIndexes', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.eventIndexes], Resource: [`${arn('events')}/index/byFleet`, `${arn('events')}/index/byDay`, `${arn('events')}/index/byChange`] },
      { Sid: 'Webhooks', Effect: 'Allow', Action: [...API_DYNAMODB_ACCESS.webhooks], Resource: [arn('webhooks')] },
    ]);
    // Sending to the KMS-encrypted dead-letter queue needs GenerateDataKey, not only Decrypt.
    const kms = statements.find((s) => s.Action.includes('kms:Decrypt'))!;
    expect(kms.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
