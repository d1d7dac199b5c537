import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config/names';
import { POSITIONS_TABLE } from '../../config/tables';
import { createDocumentClient } from '../../functions/api/services/dynamo-client';
import { startChild } from './child';
import { expectStatus } from './http-client';
import { API_KEY } from './lambda-invoke';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, summarize, throughput } from './stats';

const ENVIRONMENT = 'benchingest';
const CONCURRENCY = 8;
const BATCH = 500;
const WINDOW_MS = 1000;
const RUNS = 5;
const DAY_S = 24 * 60 * 60;

/** Single-position and 500-position ingest over HTTP vs raw writes of the same items to the same dynalite. */
export async function benchIngest(stack: Stack): Promise<Measurement[]> {
  await stack.tables(ENVIRONMENT);
  const server = await startChild('server-child.ts', { BENCH_ENV: ENVIRONMENT, DYNAMODB_ENDPOINT: stack.dynamoEndpoint, REDIS_URL: stack.redis.url, API_KEYS: API_KEY }, ['ours']);
  // The client the API itself uses (same timeouts and retries), so the baseline differs only by the API.
  const db = createDocumentClient({ region: 'us-east-1', endpoint: stack.dynamoEndpoint });
  const table = tableName(ENVIRONMENT, 'positions');
  try {
    const url = server.line;
    const post = (path: string, body: unknown) => expectStatus(200, url, 'POST', path, { body, apiKey: API_KEY });
    for (let w = 0; w <= CONCURRENCY; w++) await expectStatus(201, url, 'POST', '/vehicles', { body: { id: `ingest-${w}`, name: 'bench' }, apiKey: API_KEY });

    // Increasing timestamps, as a tracker reports: every write is new and moves the latest forward.
    let ts = Date.now() - 6 * 60 * 60 * 1000;
    const position = (vehicleId: string) => ({ vehicleId, lat: 52.37 + Math.random() / 100, lon: 4.9 + Math.random() / 100, timestamp: ++ts });
    // The item PositionStore writes for that position.
    const item = (p: ReturnType<typeof position>) => ({
      [POSITIONS_TABLE.partitionKey.name]: p.vehicleId,
      [POSITIONS_TABLE.sortKey!.name]: p.timestamp,
      [POSITIONS_TABLE.ttlAttribute!]: Math.floor(p.timestamp / 1000) + 30 * DAY_S,
      lat: p.lat,
      lon: p.lon,
      receivedAt: Date.now(),
    });

    const singleHttp = () =>
      throughput(WINDOW_MS, CONCURRENCY, async (w) => {
        const { vehicleId: _, ...body } = position(`ingest-${w}`);
        await post(`/vehicles/ingest-${w}/positions`, body);
      });
    const singleRaw = () => throughput(WINDOW_MS, CONCURRENCY, async (w) => void (await db.send(new PutCommand({ TableName: table, Item: item(position(`raw-${w}`)) }))));
    // The floor of a fix: the two writes it needs (history, then the conditional latest update), raw.
    const vehicles = tableName(ENVIRONMENT, 'vehicles');
    for (let w = 0; w < CONCURRENCY; w++) await db.send(new PutCommand({ TableName: vehicles, Item: { vehicleId: `floor-${w}`, createdAt: 1, name: 'bench', type: 'car' } }));
    const twoWritesRaw = () =>
      throughput(WINDOW_MS, CONCURRENCY, async (w) => {
        const p = position(`floor-${w}`);
        await db.send(new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: item(p) } }] } }));
        await db.send(
          new UpdateCommand({
            TableName: vehicles,
            Key: { vehicleId: p.vehicleId },
            UpdateExpression: 'SET latest = :latest, latestTs = :ts ADD revision :one',
            ConditionExpression: 'attribute_exists(vehicleId) AND createdAt = :createdAt AND (attribute_not_exists(latestTs) OR latestTs <= :ts)',
            ExpressionAttributeValues: { ':latest': { lat: p.lat, lon: p.lon }, ':ts': p.timestamp, ':createdAt': 1, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
      });

    const batchHttp = async () =>
      BATCH *
      (await throughput(WINDOW_MS, 1, async () => {
        const body = Array.from({ length: BATCH }, () => {
          const { vehicleId: _, ...rest } = position(`ingest-${CONCURRENCY}`);
          return rest;
        });
        await post(`/vehicles/ingest-${CONCURRENCY}/positions`, body);
      }));
    // As PositionStore does: 20 BatchWriteItem calls of 25, in parallel.
    const batchRaw = async () =>
      BATCH *
      (await throughput(WINDOW_MS, 1, async () => {
        const items = Array.from({ length: BATCH }, () => item(position('raw-batch')));
        await Promise.all(
          Array.from({ length: BATCH / 25 }, async (_, i) => {
            const { UnprocessedItems } = await db.send(
              new BatchWriteCommand({ RequestItems: { [table]: items.slice(i * 25, i * 25 + 25).map((Item) => ({ PutRequest: { Item } })) } }),
            );
            if (Object.keys(UnprocessedItems ?? {}).length) throw new Error('dynalite left items unprocessed');
          }),
        );
      }));

    // Warm-up: JIT, keep-alive sockets and dynalite's first writes, on both sides.
    for (const warm of [singleHttp, singleRaw, twoWritesRaw, batchHttp, batchRaw]) await warm();
    const single = await interleaved(RUNS, singleHttp, singleRaw);
    const floor = await interleaved(RUNS, singleHttp, twoWritesRaw);
    const batch = await interleaved(RUNS, batchHttp, batchRaw);
    return [
      {
        group: 'ingest',
        path: `ingest 1 position per POST over HTTP, ${CONCURRENCY} concurrent`,
        unit: 'pos/s',
        better: 'higher',
        ours: summarize(single.ours),
        baseline: summarize(single.baseline),
        baselineIs: `raw PutItem of the same item to the same dynalite, ${CONCURRENCY} concurrent`,
      },
      {
        group: 'ingest',
        path: `ingest 1 position per POST over HTTP, ${CONCURRENCY} concurrent, vs its two writes`,
        unit: 'pos/s',
        better: 'higher',
        ours: summarize(floor.ours),
        baseline: summarize(floor.baseline),
        baselineIs: `the two writes a fix needs, raw (BatchWriteItem of the item, then the conditional UpdateItem of the latest position), ${CONCURRENCY} concurrent`,
      },
      {
        group: 'ingest',
        path: `ingest ${BATCH} positions per POST over HTTP, sequential`,
        unit: 'pos/s',
        better: 'higher',
        ours: summarize(batch.ours),
        baseline: summarize(batch.baseline),
        baselineIs: `raw BatchWriteItem of the same ${BATCH} items (${BATCH / 25} × 25, in parallel) to the same dynalite`,
      },
    ];
  } finally {
    db.destroy();
    await server.stop();
  }
}
