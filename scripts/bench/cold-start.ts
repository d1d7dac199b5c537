import { spawn } from 'child_process';
import { restApiEvent } from '../../__tests__/helpers/api-gateway-event';
import { lambdaEnvironment } from '../../__tests__/helpers/lambda-env';
import type { BuiltBundle } from './bundle';
import { API_KEY } from './lambda-invoke';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, summarize } from './stats';

const RUNS = 7;

/** What the child runs: require the bundle (module init), answer one /health, print when. */
function childScript(file: string): string {
  const event = restApiEvent({ method: 'GET', path: '/health', stage: 'live' });
  const context = `{awsRequestId:'cold',functionName:'bench',getRemainingTimeInMillis:()=>15000,callbackWaitsForEmptyEventLoop:true}`;
  return (
    `const{handler}=require(${JSON.stringify(file)});` +
    `handler(${JSON.stringify(event)},${context}).then((r)=>{` +
    `process.stdout.write(JSON.stringify({status:r.statusCode,sinceBootMs:performance.now()})+'\\n');process.exit(0)})`
  );
}

/** Wall time from spawn to the first answer: Node boot, bundle load and init, one invocation. */
function coldStartMs(file: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', childScript(file)], { env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      const ms = performance.now() - started;
      const answer = JSON.parse(out) as { status: number };
      if (answer.status !== 200) reject(new Error(`cold /health answered ${answer.status}`));
      else resolve(ms);
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`cold-start child exited (${code}) without answering`));
    });
  });
}

export async function benchCold(stack: Stack, bundles: { ours: BuiltBundle; bare: BuiltBundle }): Promise<Measurement[]> {
  // Our container is given Redis as in AWS (it connects in the background; /health does not wait for it).
  const env = { ...(await lambdaEnvironment('benchcold', stack.dynamoEndpoint)), REDIS_URL: stack.redis.url, API_KEYS: API_KEY, AWS_REGION: 'us-east-1' };
  // One unmeasured start each, so both read the bundle from the page cache.
  await coldStartMs(bundles.ours.file, env);
  await coldStartMs(bundles.bare.file, env);
  const runs = await interleaved(RUNS, () => coldStartMs(bundles.ours.file, env), () => coldStartMs(bundles.bare.file, env));
  return [
    {
      group: 'cold',
      path: 'cold start: spawn → Node boot → require bundle → first /health answer',
      unit: 'ms',
      better: 'lower',
      ours: summarize(runs.ours),
      baseline: summarize(runs.baseline),
      baselineIs: 'the one-route bare Fastify bundle, same esbuild options, same way',
    },
  ];
}
