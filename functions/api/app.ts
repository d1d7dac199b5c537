import * as crypto from 'crypto';
import Fastify, { FastifyBaseLogger, FastifyInstance, LogController } from 'fastify';
import type { ApiConfig } from './config';
import { ApiKeySource, installApiKeyAuth } from './plugins/auth';
import { installCors } from './plugins/cors';
import { answerClientError, installHttpEdges } from './plugins/http-edges';
import { serializeRequest } from './plugins/log-redaction';
import { installRequestLog } from './plugins/request-log';
import { setSecurityHeaders } from './plugins/security-headers';
import { conditionalGet } from './plugins/conditional-get';
import { installProblemHandlers, sendProblem } from './plugins/problems';
import { installStorableCheck } from './plugins/storable';
import { installValidators } from './plugins/validation';
import { lazySerializers } from './plugins/serialization';
import { docsRoutes } from './routes/docs';
import { eventRoutes } from './routes/events';
import { fleetRoutes } from './routes/fleets';
import { geofenceRoutes } from './routes/geofences';
import { webhookRoutes } from './routes/webhooks';
import { mapRoutes } from './routes/map';
import { healthRoutes } from './routes/health';
import { nearbyRoutes } from './routes/nearby';
import { osmandRoutes } from './routes/osmand';
import { positionRoutes } from './routes/positions';
import { tripRoutes } from './routes/trips';
import { vehicleRoutes } from './routes/vehicles';
import { problemSchema } from './schemas/common';
import type { Services } from './services';

declare module 'fastify' {
  interface FastifyInstance {
    appConfig: ApiConfig;
    services: Services;
  }
}

export interface BuildAppOptions {
  readonly config: ApiConfig;
  readonly services: Services;
  /** The process's pino logger (shared with the services); none in tests. */
  readonly logger?: FastifyBaseLogger;
  /** Accepted API keys when they come from a secret (Lambda); default: `config.apiKeys`. */
  readonly apiKeys?: ApiKeySource;
  /**
   * Registers what must see every route before they are added: only the OpenAPI generator
   * (openapi/generate.ts) uses it; the app serves the document it wrote (openapi/openapi.json).
   */
  readonly describeRoutes?: (app: FastifyInstance) => void;
}

/** Room for 500 positions with attributes; API Gateway itself allows 10 MB. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Set by the Lambda entry from the invocation context; logged on every line. */
export const LAMBDA_REQUEST_ID_HEADER = 'x-lambda-request-id';
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The whole HTTP API as one Fastify instance. The Lambda entry (lambda.ts) and the local dev
 * server (server.ts) both call this and nothing else, so they serve the same routes.
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  // Serializers on the process logger once, not on each request's child (that costs per request).
  const logger = options.logger?.child({}, { serializers: { req: serializeRequest } });
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request, written by installRequestLog, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    bodyLimit: BODY_LIMIT_BYTES,
    // Long ids reach the schema (a 400 naming the field) instead of the router's bare 414.
    routerOptions: { maxParamLength: 2048 },
    // Malformed HTTP (dev server; API Gateway answers it in AWS): a problem document, not Node's text.
    clientErrorHandler: answerClientError,
    // Errors the router raises before any hook (bad percent-encoding, a path segment beyond
    // maxParamLength): problem documents too, without echoing the path.
    frameworkErrors: (error, request, reply) =>
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? sendProblem(request, reply, 414, 'A path segment is longer than 2048 characters')
        : sendProblem(request, reply, 400, 'The URL is malformed (bad percent-encoding)'),
    // Ajv's errors are turned into at most 20 field errors by the error handler; never build
    // Fastify's own message joining every one of them (megabytes for a hostile body).
    schemaErrorFormatter: (errors) => new Error(errors[0]?.message ?? 'is invalid'),
    // A client's x-request-id (API Gateway's request id in Lambda) or a fresh one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    childLoggerFactory: (parent, bindings, childOptions, rawReq) => {
      const awsRequestId = rawReq.headers[LAMBDA_REQUEST_ID_HEADER];
      return parent.child(typeof awsRequestId === 'string' ? { ...bindings, awsRequestId } : bindings, childOptions);
    },
  });
  app.decorate('appConfig', options.config);
  app.decorate('services', options.services);
  app.addSchema(problemSchema);
  installValidators(app);
  const routeIndex = installHttpEdges(app);
  installProblemHandlers(app, () => 'positions', routeIndex);
  installStorableCheck(app, () => 'positions');
  // CORS first: its headers go on the key check's 401 too.
  installCors(app, options.config.corsOrigins);
  installApiKeyAuth(app, options.apiKeys ?? options.config.apiKeys);
  // Callback hooks, not async ones: no promise per request on the hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    setSecurityHeaders(reply);
    done(null, conditionalGet(request, reply, payload));
  });
  installRequestLog(app);

  options.describeRoutes?.(app);
  app.register(async (routes) => {
    await routes.register(healthRoutes);
    await routes.register(vehicleRoutes);
    await routes.register(fleetRoutes);
    await routes.register(geofenceRoutes);
    await routes.register(webhookRoutes);
    await routes.register(eventRoutes);
    await routes.register(positionRoutes);
    await routes.register(tripRoutes);
    await routes.register(nearbyRoutes);
    await routes.register(osmandRoutes);
    await routes.register(docsRoutes);
    await routes.register(mapRoutes);
  });
  return app;
}
