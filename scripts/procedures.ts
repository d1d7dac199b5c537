/**
 * `npm run procedures`: rewrites the commands between `<!-- procedure: <id> -->` markers in
 * help/RUNBOOK.md from config/procedures.ts (the test fails until they match).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROCEDURES } from '../config/procedures';
import { writeProcedureBlocks } from './render-runbook';

const file = path.resolve(__dirname, '..', 'help', 'RUNBOOK.md');
const before = fs.readFileSync(file, 'utf8');
const after = writeProcedureBlocks(before, PROCEDURES);
fs.writeFileSync(file, after);
console.log(before === after ? 'help/RUNBOOK.md: procedures already up to date' : 'help/RUNBOOK.md: procedure commands rewritten from config/procedures.ts');
