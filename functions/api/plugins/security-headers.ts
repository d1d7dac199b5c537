import type { FastifyReply } from 'fastify';

/**
 * Headers every answer carries, and those of pages a browser renders (text/html): no sniffing, no
 * framing, no referrer, and a Content-Security-Policy that allows nothing a page does not declare.
 * A page that needs more (its own inline style, a script; a referrer for a tile server) sets its own
 * CSP or referrer policy; the rest still apply.
 */
export const PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A page's own CSP: the default one and what this page may load besides (`script-src 'self'`, …). */
export const pageCsp = (allowed: readonly string[]) => [PAGE_CSP, ...allowed].join('; ');

/** Sets them on an answer about to be sent (called from the app's one onSend hook: no extra hook per request). */
export function setSecurityHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && type.startsWith('text/html')) {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', PAGE_CSP);
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('strict-transport-security', 'max-age=31536000');
  }
}
