/**
 * `npm run backfill-geo-tiles -- <env>`: after the apply that adds the byGeoTile index to a table
 * written by an earlier release, gives every vehicle's latest position its tile, so the nearby
 * search without Redis finds vehicles that have not reported since. Safe to run again (it only
 * touches vehicles without a tile, and never one whose position changed meanwhile). Uses the AWS
 * credentials of the shell; DYNAMODB_ENDPOINT points it at a local DynamoDB instead.
 */
import { environmentNames, getEnvironment, physicalTableName } from '../config/environments';
import { createDocumentClient } from '../functions/api/services/dynamo-client';
import { VehicleStore } from '../functions/api/services/vehicle-store';

async function main(args: string[]): Promise<void> {
  const name = args.find((a) => !a.startsWith('--'));
  if (!name || args.includes('--help')) {
    console.log(`Usage: npm run backfill-geo-tiles -- <env>   (one of: ${environmentNames().join(', ')})`);
    process.exitCode = args.includes('--help') ? 0 : 2;
    return;
  }
  const environment = getEnvironment(name);
  const table = physicalTableName(environment, 'vehicles');
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  const db = createDocumentClient({ region: environment.region, endpoint });
  try {
    const started = Date.now();
    const updated = await new VehicleStore(db, table).fillMissingGeoTiles();
    console.log(`${table}: ${updated} vehicle(s) given a geoTile in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    db.destroy();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
