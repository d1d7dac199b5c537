import { startDynamoDbLocal } from '../../functions/local/dynamodb-local';
import { LocalDynamo, startLocalDynamo } from '../../functions/local/local-dynamodb';

/**
 * The DynamoDB the tests talk to: dynalite (in-process, the default) or, with
 * `VT_TEST_DYNAMODB=dynamodb-local`, AWS's DynamoDB Local (the fidelity lane; one JVM per test file,
 * shared by its apps, which each use their own tables). A difference between the two lanes is a bug
 * in our code or a documented limit.
 */
export const TEST_DYNAMODB = process.env.VT_TEST_DYNAMODB === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite';

let shared: Promise<LocalDynamo> | undefined;

// Registered while the test file loads (this module is imported at its top): one JVM per file, stopped with it.
if (TEST_DYNAMODB === 'dynamodb-local') {
  afterAll(async () => {
    const server = shared;
    shared = undefined;
    if (server) await (await server).close();
  });
}

export function startTestDynamo(): Promise<LocalDynamo> {
  if (TEST_DYNAMODB === 'dynalite') return startLocalDynamo();
  shared ??= startDynamoDbLocal();
  // Each app "closes" its handle; the server stops with the test file.
  return shared.then((server) => ({ endpoint: server.endpoint, close: async () => undefined }));
}
