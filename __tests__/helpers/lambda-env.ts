import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableName } from '../../config/names';
import { ensureTables } from '../../functions/local/tables';

/** Creates the environment's tables in a local DynamoDB and returns the variables module.api_services sets. */
export async function lambdaEnvironment(environment: string, dynamoEndpoint: string): Promise<Record<string, string>> {
  const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await ensureTables(client, environment);
  client.destroy();
  return {
    ENVIRONMENT: environment,
    VEHICLES_TABLE: tableName(environment, 'vehicles'),
    POSITIONS_TABLE: tableName(environment, 'positions'),
    DEVICES_TABLE: tableName(environment, 'devices'),
    FLEETS_TABLE: tableName(environment, 'fleets'),
    GEOFENCES_TABLE: tableName(environment, 'geofences'),
    EVENTS_TABLE: tableName(environment, 'events'),
    WEBHOOKS_TABLE: tableName(environment, 'webhooks'),
    // As module.api_services sets it on the API function: the events function evaluates events.
    EVENT_SOURCE: 'stream',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    LOG_LEVEL: 'silent',
  };
}
