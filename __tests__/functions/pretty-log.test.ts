import { PassThrough } from 'stream';
import { devLogDestination, prettyLine } from '../../functions/local/pretty-log';

describe('dev server logs', () => {
  test('on a terminal, a request is one readable line: time, level, method, URL, status, duration', () => {
    const line = prettyLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 29, 8, 15, 30), reqId: 'r1', msg: 'request', method: 'GET', route: '/vehicles/:id', url: '/vehicles/van-1', status: 404, ms: 1.2 }));
    expect(line).toBe('08:15:30 INFO  GET /vehicles/van-1 → 404 in 1.2 ms');
  });

  test('other lines keep their fields, and warnings stand out', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: 0, pid: 1, hostname: 'h', msg: 'Redis unavailable', err: 'ECONNREFUSED' }));
    expect(line).toBe('00:00:00 \x1b[33mWARN \x1b[0m Redis unavailable err=ECONNREFUSED');
  });

  test('stdout that is not a terminal (a pipe, a file, CI) gets the JSON lines unchanged', () => {
    const pipe = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    expect(devLogDestination(pipe)).toBe(pipe);
    const terminal = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream & PassThrough;
    const destination = devLogDestination(terminal);
    destination.write('{"level":30,"time":0,"msg":"hello"}\n{"level":30,');
    destination.write('"time":0,"msg":"split"}\n');
    expect(String(terminal.read())).toBe('00:00:00 INFO  hello\n00:00:00 INFO  split\n');
  });
});
