import * as dns from 'dns';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { isPrivateAddress } from '../domain/webhook';

export interface SendResult {
  readonly ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** Why the attempt failed, for the webhook's lastError and the logs. */
  readonly error?: string;
  readonly ms: number;
}

export interface SenderOptions {
  /** false in AWS: a delivery never connects to a private, loopback or link-local address. */
  readonly allowPrivateTargets: boolean;
  readonly timeoutMs: number;
}

/** Bytes of a receiver's answer read at most (it is only logged on failure). */
const MAX_ANSWER_BYTES = 1024;

class RefusedAddress extends Error {}

/**
 * One HTTP POST to a receiver. The answer must be a 2xx within `timeoutMs` (connect to last byte);
 * redirects are not followed. With private targets refused, the address the socket connects to is
 * checked after DNS resolution (a name that resolves to 10.x or 169.254.169.254 is refused, and a
 * second lookup cannot swap it: the checked address is the one used).
 */
export class WebhookSender {
  constructor(private readonly options: SenderOptions) {}

  send(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<SendResult> {
    const started = Date.now();
    const done = (result: Omit<SendResult, 'ms'>): SendResult => ({ ...result, ms: Date.now() - started });
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve(done({ ok: false, error: 'invalid URL' }));
        return;
      }
      const host = target.hostname.replace(/^\[|\]$/g, '');
      if (!this.options.allowPrivateTargets && net.isIP(host) && isPrivateAddress(host)) {
        resolve(done({ ok: false, error: `refused: ${host} is a private address` }));
        return;
      }
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'vehicle-tracking-webhooks/1' },
          lookup: this.options.allowPrivateTargets ? undefined : guardedLookup,
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('end', () => {
            clearTimeout(timer);
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(done({ ok: true, status }));
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
            const why = status >= 300 && status < 400 ? 'redirects are not followed' : text;
            resolve(done({ ok: false, status, error: `HTTP ${status}${why ? `: ${why}` : ''}` }));
          });
          response.on('error', (error) => {
            clearTimeout(timer);
            resolve(done({ ok: false, status: response.statusCode, error: error.message }));
          });
        },
      );
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const message = error instanceof RefusedAddress ? error.message : error.code ? `${error.code}: ${error.message}` : error.message;
        resolve(done({ ok: false, error: message }));
      });
      request.end(body);
    });
  }
}

/** dns.lookup, refusing private answers (net.connect then fails with this error). */
function guardedLookup(hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const list = addresses as dns.LookupAddress[];
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused) return callback(new RefusedAddress(`refused: ${hostname} resolves to a private address (${refused.address})`), '');
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
