import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ThrowawayRedis } from '../../functions/local/faults/throwaway-redis';
import { ensureTables } from '../../functions/local/tables';
import { Child, startChild } from './child';

/** The stores every measurement shares: dynalite in its own process and a redis-server of our own. */
export interface Stack {
  readonly dynamoEndpoint: string;
  readonly redis: ThrowawayRedis;
  /** Creates an environment's tables (one environment per measurement, so data never mixes). */
  tables(environment: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  // Never the shared 127.0.0.1:6379: a bench must neither read nor disturb anyone's data.
  const [dynamo, redis]: [Child, ThrowawayRedis] = await Promise.all([startChild('dynalite-child.ts'), ThrowawayRedis.start()]);
  const dynamoEndpoint = dynamo.line;
  return {
    dynamoEndpoint,
    redis,
    async tables(environment) {
      const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        await ensureTables(client, environment);
      } finally {
        client.destroy();
      }
    },
    async close() {
      await Promise.all([dynamo.stop(), redis.stop()]);
    },
  };
}
