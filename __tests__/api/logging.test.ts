import { Writable } from 'stream';
import pino from 'pino';
import { LAMBDA_REQUEST_ID_HEADER, buildApp } from '../../functions/api/app';
import { startTestApp } from '../helpers/test-app';

describe('logs', () => {
  test('are JSON lines carrying the request id, and the Lambda request id when invoked by Lambda', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const base = await startTestApp();
    const app = buildApp({ config: base.config, services: base.services, logger: pino({ level: 'info' }, sink) });
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/vehicles/missing',
        headers: { 'x-request-id': 'gw-req-1', [LAMBDA_REQUEST_ID_HEADER]: 'lambda-req-9' },
      });
      expect(response.statusCode).toBe(404);
      const forRequest = lines.filter((l) => l.reqId === 'gw-req-1');
      // One line per request: who (both ids), which route (as declared, not the URL), what status, how long.
      expect(forRequest).toEqual([
        expect.objectContaining({ awsRequestId: 'lambda-req-9', msg: 'request', method: 'GET', route: '/vehicles/:id', url: '/vehicles/missing', status: 404, ms: expect.any(Number), level: 30 }),
      ]);
    } finally {
      await app.close();
      await base.close();
    }
  });
});
