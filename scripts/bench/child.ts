import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');

export interface Child {
  /** The first line the child printed: its address, once it is ready. */
  readonly line: string;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript file under scripts/bench/ in its own Node process, so what it serves does not
 * share an event loop (or a core) with the load generator measuring it.
 */
export function startChild(file: string, env: Record<string, string> = {}, args: string[] = []): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...args], {
    cwd: REPO,
    // NODE_NO_WARNINGS: the AWS SDK's Node 20 notice would interleave with the table.
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`${file} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        line: out.slice(0, newline).trim(),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
