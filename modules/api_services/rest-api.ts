import * as crypto from 'crypto';
import { CORS_POLICY } from '../../config/cors';
import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayGatewayResponse } from '@cdktf/provider-aws/lib/api-gateway-gateway-response';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/environments';
import { functionName, resourceName, stackName } from '../../config/names';
import { LIVE_ALIAS, NodeFunction } from './node-function';

export interface RestApiProps {
  readonly environment: EnvironmentConfig;
  readonly handler: NodeFunction;
  readonly kmsKeyArn: string;
  readonly region: string;
  readonly account: string;
}

/** Access log fields, one JSON object per request. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  apiKeyId: '$context.identity.apiKeyId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integration.error',
  wafResponse: '$context.waf.status',
});

/**
 * The REST API (v1) in front of the API function: stage = environment, so the URL is
 * `https://<id>.execute-api.<region>.amazonaws.com/<env>/health`. Lambda proxy integration on
 * every path; API keys required except on /health; usage plan throttling; JSON access logs;
 * X-Ray; optional WAF rate limiting.
 */
export class RestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly apiKeys: ApiGatewayApiKey[];
  /** The keys not in api.disabledApiKeyNames: the ones the API accepts. */
  readonly enabledApiKeys: ApiGatewayApiKey[] = [];
  readonly usagePlanKeys: ApiGatewayUsagePlanKey[] = [];
  readonly accessLogs: CloudwatchLogGroup;

  constructor(scope: Construct, props: RestApiProps) {
    super(scope, 'rest_api');
    const env = props.environment;
    const alias = props.handler.alias;
    // The `live` alias by name, not by reference: the API's resources (and so a throttling or stage
    // change) never pull the function into a targeted apply. The permission below orders creation.
    const aliasArn = `arn:aws:lambda:${props.region}:${props.account}:function:${functionName(env.name, props.handler.job)}:${LIVE_ALIAS}`;
    const aliasInvokeArn = `arn:aws:apigateway:${props.region}:lambda:path/2015-03-31/functions/${aliasArn}/invocations`;

    this.api = new ApiGatewayRestApi(this, 'Resource', {
      name: stackName(env.name),
      description: 'Vehicle tracking API',
      endpointConfiguration: { types: ['REGIONAL'] },
      apiKeySource: 'HEADER',
      // Answers over 1 KB are gzipped for clients that accept it (the map's 1 MB script: 285 KB).
      minimumCompressionSize: String(MINIMUM_COMPRESSION_BYTES),
    });
    const proxy = new ApiGatewayResource(this, 'proxy', { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: '{proxy+}' });
    const health = new ApiGatewayResource(this, 'health', { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: 'health' });
    const healthProxy = new ApiGatewayResource(this, 'health_proxy', { restApiId: this.api.id, parentId: health.id, pathPart: '{proxy+}' });
    // The API's documentation, public as in the dev server (it describes the API; it holds no data).
    const docs = new ApiGatewayResource(this, 'docs', { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: 'docs' });
    const docsProxy = new ApiGatewayResource(this, 'docs_proxy', { restApiId: this.api.id, parentId: docs.id, pathPart: '{proxy+}' });
    // The live map's page and assets, public as /docs (its polls of the API carry the key).
    const map = new ApiGatewayResource(this, 'map', { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: 'map' });
    const mapProxy = new ApiGatewayResource(this, 'map_proxy', { restApiId: this.api.id, parentId: map.id, pathPart: '{proxy+}' });
    // Trackers (Traccar Client) cannot send x-api-key; the app authenticates them by device id.
    const osmand = new ApiGatewayResource(this, 'osmand', { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: 'osmand' });

    const routes = [
      { id: 'root', resourceId: this.api.rootResourceId, method: 'ANY', apiKeyRequired: true },
      { id: 'proxy', resourceId: proxy.id, method: 'ANY', apiKeyRequired: true },
      { id: 'health', resourceId: health.id, method: 'GET', apiKeyRequired: false },
      { id: 'health_proxy', resourceId: healthProxy.id, method: 'GET', apiKeyRequired: false },
      { id: 'osmand', resourceId: osmand.id, method: 'ANY', apiKeyRequired: false },
      { id: 'docs', resourceId: docs.id, method: 'GET', apiKeyRequired: false },
      { id: 'docs_proxy', resourceId: docsProxy.id, method: 'GET', apiKeyRequired: false },
      { id: 'map', resourceId: map.id, method: 'GET', apiKeyRequired: false },
      { id: 'map_proxy', resourceId: mapProxy.id, method: 'GET', apiKeyRequired: false },
      // Browsers send a CORS preflight without x-api-key: with origins allowed, OPTIONS reaches the
      // app (its CORS policy answers) without a key; without, API Gateway refuses it as before.
      ...(env.api.corsOrigins.length > 0
        ? [
            { id: 'root_preflight', resourceId: this.api.rootResourceId, method: 'OPTIONS', apiKeyRequired: false },
            { id: 'proxy_preflight', resourceId: proxy.id, method: 'OPTIONS', apiKeyRequired: false },
          ]
        : []),
    ];
    const methodsAndIntegrations = routes.flatMap((route) => {
      const method = new ApiGatewayMethod(this, `${route.id}_method`, {
        restApiId: this.api.id,
        resourceId: route.resourceId,
        httpMethod: route.method,
        authorization: 'NONE',
        apiKeyRequired: route.apiKeyRequired,
      });
      const integration = new ApiGatewayIntegration(this, `${route.id}_integration`, {
        restApiId: this.api.id,
        resourceId: route.resourceId,
        httpMethod: method.httpMethod,
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: aliasInvokeArn,
      });
      return [method, integration];
    });

    new LambdaPermission(this, 'invoke_permission', {
      statementId: 'AllowApiGatewayInvoke',
      action: 'lambda:InvokeFunction',
      functionName: props.handler.function.functionName,
      qualifier: alias.name,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/*/*`,
    });

    // API Gateway's own refusals (a missing key, throttling) carry the CORS headers too, so a
    // dashboard's browser shows the 403 or 429 rather than an opaque CORS error. Gateway responses
    // cannot check a list: one origin is named, several are echoed (these answers carry no data).
    const corsResponses = gatewayCorsHeaders(env.api.corsOrigins);
    const gatewayResponses = corsResponses
      ? (['DEFAULT_4XX', 'DEFAULT_5XX'] as const).map(
          (type) => new ApiGatewayGatewayResponse(this, `cors_${type.toLowerCase()}`, { restApiId: this.api.id, responseType: type, responseParameters: corsResponses }),
        )
      : [];

    // Redeploy whenever the routes or the gateway's answers change (their definitions are known at synth).
    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: this.api.id,
      triggers: {
        routes: crypto.createHash('sha256').update(JSON.stringify(routes.map(({ id, method, apiKeyRequired }) => ({ id, method, apiKeyRequired })))).digest('hex'),
        ...(corsResponses && { gatewayResponses: crypto.createHash('sha256').update(JSON.stringify(corsResponses)).digest('hex') }),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...methodsAndIntegrations, ...gatewayResponses],
    });

    this.accessLogs = new CloudwatchLogGroup(this, 'access_logs', {
      name: `/aws/apigateway/${stackName(env.name)}/access`,
      retentionInDays: env.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.stage = new ApiGatewayStage(this, 'stage', {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName: env.name,
      xrayTracingEnabled: true,
      // API Gateway writes logs through the account's CloudWatch role (stack vehicle-tracking-account).
      accessLogSettings: { destinationArn: this.accessLogs.arn, format: ACCESS_LOG_FORMAT },
    });
    new ApiGatewayMethodSettings(this, 'all_methods', {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: '*/*',
      settings: {
        metricsEnabled: true,
        loggingLevel: 'ERROR',
        dataTraceEnabled: false,
        throttlingRateLimit: env.api.throttleRateLimit,
        throttlingBurstLimit: env.api.throttleBurstLimit,
      },
    });

    const plan = new ApiGatewayUsagePlan(this, 'usage_plan', {
      name: resourceName(env.name, 'clients'),
      description: 'Rate limiting for every API key',
      apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
      throttleSettings: { rateLimit: env.api.throttleRateLimit, burstLimit: env.api.throttleBurstLimit },
    });
    this.apiKeys = env.api.apiKeyNames.map((keyName) => {
      const key = new ApiGatewayApiKey(this, `key_${keyName.replace(/-/g, '_')}`, {
        name: resourceName(env.name, keyName),
        description: `API key ${keyName}; the value is generated by AWS`,
        enabled: !(env.api.disabledApiKeyNames ?? []).includes(keyName),
      });
      if (key.enabledInput !== false) this.enabledApiKeys.push(key);
      this.usagePlanKeys.push(
        new ApiGatewayUsagePlanKey(this, `key_${keyName.replace(/-/g, '_')}_plan`, {
          keyId: key.id,
          keyType: 'API_KEY',
          usagePlanId: plan.id,
        }),
      );
      return key;
    });

    if (env.api.waf.enabled) {
      const acl = new Wafv2WebAcl(this, 'waf', {
        name: resourceName(env.name, 'api'),
        description: 'Rate limiting per client IP in front of the API stage',
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        rule: [
          {
            name: 'rate-limit-per-ip',
            priority: 1,
            action: { block: {} },
            // `statement` is untyped in the binding: Terraform's own (snake_case) names.
            statement: { rate_based_statement: { limit: env.api.waf.rateLimitPer5Minutes, aggregate_key_type: 'IP' } },
            visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: 'rate-limit-per-ip', sampledRequestsEnabled: true },
          },
        ],
        visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: resourceName(env.name, 'api'), sampledRequestsEnabled: true },
      });
      new Wafv2WebAclAssociation(this, 'waf_association', { resourceArn: this.stage.arn, webAclArn: acl.arn });
    }
  }
}

/** API Gateway compresses answers from this size on, when the client accepts gzip. */
export const MINIMUM_COMPRESSION_BYTES = 1024;

/** The CORS headers of API Gateway's own answers, as response parameters; none without origins. */
export function gatewayCorsHeaders(origins: readonly string[]): Record<string, string> | undefined {
  if (origins.length === 0) return undefined;
  return {
    'gatewayresponse.header.Access-Control-Allow-Origin': origins.length === 1 ? `'${origins[0]}'` : 'method.request.header.Origin',
    'gatewayresponse.header.Vary': "'Origin'",
    'gatewayresponse.header.Access-Control-Expose-Headers': `'${CORS_POLICY.exposedHeaders.join(',')}'`,
  };
}
