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
      expect(forRequest.length).toBeGreaterThanOrEqual(2);
      for (const line of forRequest) expect(line).toMatchObject({ awsRequestId: 'lambda-req-9', level: expect.any(Number), time: expect.any(Number) });
      expect(forRequest.at(-1)).toMatchObject({ res: { statusCode: 404 }, msg: 'request completed' });
    } finally {
      await app.close();
      await base.close();
    }
  });
});
