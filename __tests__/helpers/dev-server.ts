import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');

/** `npm run dev` as a newcomer runs it: a real process on a real port. */
export async function startDevServer(env: Record<string, string>, command: string[] = [process.execPath, '--import', 'tsx', 'functions/api/server.ts']): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  const child = spawn(command[0], command.slice(1), {
    cwd: REPO,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  return { url, process: child, output: () => output };
}

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

