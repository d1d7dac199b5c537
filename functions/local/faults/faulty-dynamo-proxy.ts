import * as http from 'http';
import type { AddressInfo } from 'net';
import * as zlib from 'zlib';

type Item = Record<string, { S?: string; N?: string }>;

export interface FaultyDynamoProxy {
  endpoint: string;
  /** Items of BatchWriteItem requests for which this is true are never written; DynamoDB reports them unprocessed. */
  withholdItems: (item: Item) => boolean;
  /**
   * An item DynamoDB refuses outright: a BatchWriteItem holding one fails whole with a 400
   * ValidationException (as DynamoDB does), and so does a batch of that item alone.
   */
  rejectItems: (item: Item) => boolean;
  /** UpdateItem requests for which this is true fail with a 500 (InternalServerError). */
  failUpdates: (key: Item) => boolean;
  /** When set, every BatchWriteItem fails with this error (e.g. 400 AccessDeniedException: a fault of ours, not the item's). */
  failBatchWrites?: { readonly status: number; readonly type: string };
  batchWriteCalls: number;
  /** Requests seen, by operation (BatchGetItem, UpdateItem, …): what a request costs in round trips. */
  readonly operations: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A real HTTP hop in front of dynalite that makes DynamoDB behave as it does under throttling:
 * chosen items come back in UnprocessedItems every time, or chosen updates fail with a 5xx.
 * The AWS SDK parses the real wire responses, retries, and the app's own retry logic runs.
 */
export async function startFaultyDynamoProxy(target: string): Promise<FaultyDynamoProxy> {
  const upstream = new URL(target);
  const state: FaultyDynamoProxy = {
    endpoint: '',
    withholdItems: () => false,
    rejectItems: () => false,
    failUpdates: () => false,
    batchWriteCalls: 0,
    operations: new Map(),
    close: async () => undefined,
  };

  const forward = (headers: http.IncomingHttpHeaders, body: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const request = http.request(
        { host: upstream.hostname, port: upstream.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: Buffer.concat(chunks).toString() }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  const reply = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-crc32': String(zlib.crc32(body)),
      'x-amzn-requestid': 'proxy',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() ?? '';
      state.operations.set(operation, (state.operations.get(operation) ?? 0) + 1);
      const headers = { ...req.headers };
      delete headers.host;
      try {
        if (target.endsWith('.BatchWriteItem')) {
          state.batchWriteCalls++;
          if (state.failBatchWrites) {
            return reply(res, state.failBatchWrites.status, JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${state.failBatchWrites.type}`, message: 'injected' }));
          }
          const parsed = JSON.parse(body) as { RequestItems: Record<string, { PutRequest: { Item: Item } }[]> };
          if (Object.values(parsed.RequestItems).some((requests) => requests.some((r) => state.rejectItems(r.PutRequest.Item)))) {
            return reply(res, 400, JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Item size has exceeded the maximum allowed size' }));
          }
          const withheld: Record<string, { PutRequest: { Item: Item } }[]> = {};
          for (const [table, requests] of Object.entries(parsed.RequestItems)) {
            withheld[table] = requests.filter((r) => state.withholdItems(r.PutRequest.Item));
            parsed.RequestItems[table] = requests.filter((r) => !state.withholdItems(r.PutRequest.Item));
            if (parsed.RequestItems[table].length === 0) delete parsed.RequestItems[table];
            if (withheld[table].length === 0) delete withheld[table];
          }
          let result: { UnprocessedItems?: Record<string, unknown> } = { UnprocessedItems: {} };
          if (Object.keys(parsed.RequestItems).length > 0) {
            const upstreamResponse = await forward(headers, JSON.stringify(parsed));
            if (upstreamResponse.status !== 200) return reply(res, upstreamResponse.status, upstreamResponse.body);
            result = JSON.parse(upstreamResponse.body);
          }
          result.UnprocessedItems = { ...(result.UnprocessedItems ?? {}), ...withheld };
          return reply(res, 200, JSON.stringify(result));
        }
        if (target.endsWith('.UpdateItem') && state.failUpdates((JSON.parse(body) as { Key: Item }).Key)) {
          return reply(res, 500, JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }));
        }
        const upstreamResponse = await forward(headers, body);
        res.writeHead(upstreamResponse.status, upstreamResponse.headers);
        res.end(upstreamResponse.body);
      } catch (error) {
        res.writeHead(502);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
