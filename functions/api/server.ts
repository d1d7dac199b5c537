import { buildApp } from './app';
import { loadConfig } from './config';

/** Local dev server: the same app as in Lambda, on PORT (default 3000). */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const app = buildApp({ config: loadConfig(process.env), logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
