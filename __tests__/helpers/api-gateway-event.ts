import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface RestEventInput {
  readonly method: string;
  /** Resource path without the stage, as API Gateway passes it in `path`. */
  readonly path: string;
  readonly stage: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** An API Gateway REST API (payload format 1.0) Lambda proxy event, as a `{proxy+}` resource sends it. */
export function restApiEvent(input: RestEventInput): APIGatewayProxyEvent {
  const headers: Record<string, string> = {
    Host: 'qiaz9dfl08.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    'X-Forwarded-Proto': 'https',
    ...(input.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...input.headers,
  };
  const requestTime = new Date();
  return {
    resource: '/{proxy+}',
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: { proxy: input.path.replace(/^\//, '') },
    stageVariables: null,
    body: input.body === undefined ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'qiaz9dfl08',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: input.method,
      identity: {
        accessKey: null, accountId: null, apiKey: input.headers?.['x-api-key'] ?? null, apiKeyId: null, caller: null,
        clientCert: null, cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '203.0.113.10', user: null, userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: `/${input.stage}${input.path}`,
      stage: input.stage,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: requestTime.getTime(),
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
    },
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'vehicle-tracking-test-70v-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:vehicle-tracking-test-70v-api',
    memoryLimitInMB: '512',
    awsRequestId: '8f5a3c1e-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/vehicle-tracking-test-70v-api',
    logStreamName: '2026/11/28/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 15000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
