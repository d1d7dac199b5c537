import * as http from 'http';
import type { AddressInfo } from 'net';

export interface ReceivedDelivery {
  readonly headers: http.IncomingHttpHeaders;
  /** The raw body, as signed. */
  readonly body: string;
  readonly path: string;
  readonly json: { id: string; source: string; 'detail-type': string; time: string; detail: Record<string, unknown> & { event: Record<string, unknown> } };
  /** What it was answered. */
  readonly status: number;
}

/**
 * A webhook receiver on a real port: records every POST and answers with the next status of
 * `answers` (then 200; 500 always on a `broken` path), or not at all while `hang` is set.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  answers: number[] = [];
  /** Paths that always answer 500 (a receiver that never recovers). */
  readonly broken = new Set<string>();
  hang = false;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    let self!: WebhookReceiver;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (self.hang) return;
        const path = req.url ?? '/';
        const status = self.broken.has(path) ? 500 : (self.answers.shift() ?? 200);
        const body = Buffer.concat(chunks).toString('utf8');
        self.received.push({ headers: req.headers, path, body, json: JSON.parse(body), status });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'receiver is down for maintenance');
      });
    });
    self = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
