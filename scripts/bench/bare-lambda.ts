import awsLambdaFastify from '@fastify/aws-lambda';
import { bareApp } from './bare-app';

/** Baseline bundle for /health and cold start: a one-route Fastify app behind @fastify/aws-lambda. */
const app = bareApp();
const proxy = awsLambdaFastify(app, { callbackWaitsForEmptyEventLoop: false });
const ready = app.ready();

export const handler: typeof proxy = async (event, context) => {
  await ready;
  return proxy(event, context);
};
