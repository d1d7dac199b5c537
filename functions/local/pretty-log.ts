import { Writable } from 'stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'method', 'route', 'url', 'status', 'ms']);

/** One pino JSON line as a person reads it: time, level, message (a request as method, URL, status, time), then the rest. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = Number(entry.level);
  const time = new Date(Number(entry.time)).toISOString().slice(11, 19);
  const head = entry.msg === 'request' ? `${entry.method} ${entry.url} → ${entry.status} in ${entry.ms} ms` : String(entry.msg ?? '');
  const rest = Object.entries(entry).filter(([key]) => !HIDDEN.has(key) || (key === 'url' && entry.msg !== 'request'));
  const details = rest.length ? ` ${rest.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ')}` : '';
  const color = COLORS[level] ?? '';
  return `${time} ${color}${(LEVELS[level] ?? String(level)).padEnd(5)}${color ? '\x1b[0m' : ''} ${head}${details}`;
}

/**
 * Where the dev server logs: readable lines on a terminal, the same JSON lines as in Lambda when
 * stdout is a file or a pipe (so tools and tests read them unchanged).
 */
export function devLogDestination(stream: NodeJS.WriteStream = process.stdout): NodeJS.WritableStream {
  if (!stream.isTTY) return stream;
  let pending = '';
  return new Writable({
    write(chunk, _encoding, done) {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) stream.write(`${prettyLine(line)}\n`);
      done();
    },
  });
}
