/** `npm run runbook -- <env>`: help/RUNBOOK.md with that environment's names and values. */
import * as fs from 'fs';
import * as path from 'path';
import { environmentNames, getEnvironment } from '../config/environments';
import { renderForEnvironment } from './render-runbook';

const environment = process.argv[2] ?? process.env.ENVIRONMENT;
try {
  if (!environment) throw new Error(`Usage: npm run runbook -- <env>   (one of: ${environmentNames().join(', ')})`);
  const markdown = fs.readFileSync(path.resolve(__dirname, '..', 'help', 'RUNBOOK.md'), 'utf8');
  process.stdout.write(renderForEnvironment(markdown, getEnvironment(environment)));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
