import awsLambdaFastify from '@fastify/aws-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import pino from 'pino';
import { LAMBDA_REQUEST_ID_HEADER, buildApp } from './app';
import { loadConfig } from './config';
import { RefreshingSecret, SecretReader } from './secrets';
import { createServices } from './services';

type Proxy = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** What one Lambda container holds between invocations. */
export interface Container {
  readonly proxy: Proxy;
  /** Releases the connections (Lambda freezes containers instead; tests call this). */
  close(): Promise<void>;
}

/**
 * Cold start: config, secrets, clients and the app, once per container, outside the handler.
 * Secrets are read here and then kept fresh (SECRET_TTL_MS, and on failures), so rotating an API key
 * or the Redis AUTH token needs no redeploy and reaches warm and provisioned containers alike.
 */
async function init(): Promise<Container> {
  const config = loadConfig(process.env);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const secrets = new SecretReader(config.region, config.secretsManagerEndpoint);
  const refreshing = <T>(what: string, read: () => Promise<T>) =>
    new RefreshingSecret(read, { onError: (error) => log.error({ err: error.message }, `Could not re-read ${what}; using the last value`) });
  const apiKeys = config.apiKeysSecretId ? refreshing('the API keys', () => secrets.stringList(config.apiKeysSecretId!)) : undefined;
  const redisToken = config.redisAuthSecretId ? refreshing('the Redis AUTH token', () => secrets.currentAndPrevious(config.redisAuthSecretId!)) : undefined;
  // The cache only accelerates: if its secrets cannot be read, this container serves from DynamoDB.
  const [redisUrl, redisPassword] = await Promise.all([
    config.redisUrl ?? (config.redisEndpointSecretId ? secrets.text(config.redisEndpointSecretId) : undefined),
    redisToken?.get().then(() => redisToken),
  ]).catch((error: Error) => {
    log.error({ err: error.message }, 'Could not read the Redis endpoint or AUTH token; serving without the cache');
    return [undefined, undefined] as const;
  });
  await apiKeys?.get();
  const services = createServices(config, { redisPassword, redisUrl, log });
  const app = buildApp({ config, services, logger: log, apiKeys });
  // decorateRequest: the routes never read request.awsLambda, and it costs on every request.
  const proxy = awsLambdaFastify(app, { callbackWaitsForEmptyEventLoop: false, decorateRequest: false });
  // Redis connects in the background: until it is ready, reads and /health are answered from
  // DynamoDB and writes wait for it (see PositionCache.usableForWrite). A provisioned container's
  // init is not on anyone's request: it connects first, rather than be frozen mid-handshake.
  await Promise.all([app.ready(), process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency' && services.cache.waitUntilReady(1000)]);
  return {
    proxy,
    async close() {
      await app.close();
      await services.close();
      secrets.destroy();
    },
  };
}

let ready: Promise<Container> = init();
ready.catch(() => undefined); // reported by the first invocation, which also retries

/** The container's state once cold start is done. */
export const container = (): Promise<Container> => ready;

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  let proxy: Proxy;
  try {
    ({ proxy } = await ready);
  } catch {
    ready = init();
    ({ proxy } = await ready);
  }
  // @fastify/aws-lambda fills x-request-id with API Gateway's request id when the client sent none.
  const headers = { ...event.headers };
  // Always ours, never a client's: ties every log line to this invocation.
  for (const name of Object.keys(headers)) if (name.toLowerCase() === LAMBDA_REQUEST_ID_HEADER) delete headers[name];
  headers[LAMBDA_REQUEST_ID_HEADER] = context.awsRequestId;
  return proxy({ ...event, headers }, context);
}
