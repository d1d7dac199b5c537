import * as http from 'http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Keep-alive, like a client that talks to the API all day; unlimited sockets so the client never queues. */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

export function request(baseUrl: string, method: string, path: string, options: { body?: unknown; apiKey?: string } = {}): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent,
        headers: {
          ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The request, failing unless it answered `status`. */
export async function expectStatus(status: number, baseUrl: string, method: string, path: string, options: { body?: unknown; apiKey?: string } = {}): Promise<HttpAnswer> {
  const answer = await request(baseUrl, method, path, options);
  if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer;
}
