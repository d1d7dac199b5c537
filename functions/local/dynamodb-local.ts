import { execFileSync, spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { LocalDynamo } from './local-dynamodb';
import { answersTcp, freePort } from './tcp';

/**
 * AWS's own DynamoDB Local (a Java server), for the fidelity lane: the same tests as on dynalite,
 * against the implementation AWS ships. The jar comes from the npm package that bundles it, fetched
 * once with `npm pack` (just the tarball, none of that package's JavaScript dependencies).
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const CACHE_DIR = path.resolve(__dirname, '..', '..', '.cache', 'dynamodb-local', DYNAMODB_LOCAL_PACKAGE.split('@')[1]);

/** The directory holding DynamoDBLocal.jar, downloading it on first use. */
export function dynamoDbLocalHome(): string {
  const home = path.join(CACHE_DIR, 'package', 'emulator');
  if (fs.existsSync(path.join(home, 'DynamoDBLocal.jar'))) return home;
  const staging = `${CACHE_DIR}.${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  try {
    const tarball = execFileSync('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', staging], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', path.join(staging, tarball), '-C', staging, 'package/emulator']);
    fs.rmSync(path.join(staging, tarball));
    fs.mkdirSync(path.dirname(CACHE_DIR), { recursive: true });
    // Atomic: a parallel test worker either sees the whole directory or none.
    try {
      fs.renameSync(staging, CACHE_DIR);
    } catch {
      // another worker won the race; its copy is complete
    }
  } catch (error) {
    throw new Error(`Could not fetch DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}) with npm pack: ${(error as Error).message}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return home;
}


/** Starts DynamoDB Local in memory on a free port (Java 17+ on PATH); one database whatever the credentials, as in AWS. */
export async function startDynamoDbLocal(): Promise<LocalDynamo> {
  const home = dynamoDbLocalHome();
  const port = await freePort();
  const java = ['java', '-Xmx512m', `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`, '-jar', path.join(home, 'DynamoDBLocal.jar'), '-inMemory', '-sharedDb', '-port', String(port)];
  // Dies with whoever started it, however that process ends (test workers are often killed):
  // the shell stops Java as soon as its stdin, held by this process, closes.
  const child: ChildProcess = spawn('sh', ['-c', '"$@" & server=$!; trap "kill $server" EXIT; read _; exit 0', 'dynamodb-local', ...java], {
    cwd: home,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('DynamoDB Local exited at start: is Java 17+ installed (java on PATH)?');
    if (await answersTcp('127.0.0.1', port, 200)) {
      return {
        endpoint: `http://127.0.0.1:${port}`,
        async close() {
          // Referenced again while it stops: an unreferenced child alone would let Node exit mid-await.
          child.ref();
          child.stdin?.end();
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.stdin?.end();
  throw new Error(`DynamoDB Local did not listen on port ${port} within 15 s`);
}
