import awsLambdaFastify from '@fastify/aws-lambda';
import Redis from 'ioredis';
import { bareApp } from './bare-app';

/** Baseline bundle for the latest position: bare Fastify + one ioredis HGET on the same Redis. */
const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 0 });
const app = bareApp(redis, process.env.BENCH_KEY_PREFIX ?? '');
const proxy = awsLambdaFastify(app, { callbackWaitsForEmptyEventLoop: false });
const ready = app.ready();

export const handler: typeof proxy = async (event, context) => {
  await ready;
  return proxy(event, context);
};
