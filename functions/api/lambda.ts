import awsLambdaFastify from '@fastify/aws-lambda';
import { buildApp } from './app';
import { loadConfig } from './config';

// Built once per container, outside the handler, and reused by every invocation.
const app = buildApp({ config: loadConfig(process.env), logger: { level: process.env.LOG_LEVEL ?? 'info' } });

export const handler = awsLambdaFastify(app, { callbackWaitsForEmptyEventLoop: false });
