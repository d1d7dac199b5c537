import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { answersTcp, freePort } from '../tcp';

export const REDIS_FIX = 'Install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running one.';

const redisServerOnPath = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** A redis-server of its own on a free port (tests, npm run chaos): stop, freeze, snapshot and restore it at will. */
export class ThrowawayRedis {
  private process?: ChildProcess;
  private constructor(readonly port: number, private readonly dir: string) {}

  static async start(): Promise<ThrowawayRedis> {
    if (!redisServerOnPath()) throw new Error(`redis-server is not on PATH. ${REDIS_FIX}`);
    const redis = new ThrowawayRedis(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'vt-redis-')));
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await answersTcp('127.0.0.1', this.port, 300)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Writes a snapshot (what an ElastiCache backup or a lagging replica holds) and keeps a copy. */
  async snapshot(): Promise<void> {
    const { default: Redis } = await import('ioredis');
    const client = new Redis(this.url);
    try {
      await client.save();
    } finally {
      client.disconnect();
    }
    fs.copyFileSync(path.join(this.dir, 'dump.rdb'), path.join(this.dir, 'snapshot.rdb'));
  }

  /** Restarts the server from the last snapshot: everything written since is gone. */
  async restoreSnapshot(): Promise<void> {
    await this.stop();
    fs.copyFileSync(path.join(this.dir, 'snapshot.rdb'), path.join(this.dir, 'dump.rdb'));
    await this.resume();
  }

  /** Freezes the server (SIGSTOP): connections stay open, commands time out, data is kept. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
    this.process = undefined;
  }
}
