/// <reference lib="dom" />
/**
 * The map's calls to the API: same origin, under the page's stage prefix, with the API key asked
 * once and kept in session storage (none is needed locally unless API_KEYS is set).
 */
const KEY_STORAGE = 'vehicle-tracking:api-key';

/** `/<stage>/map` → `/<stage>`: the API the page was served by. */
export const API_BASE = new URL('.', location.href).href.replace(/\/$/, '');

/** No key, or the user cancelled the prompt: polling stops until a reload. */
export class StopPolling extends Error {}
/** A key was just entered: the caller tries again at once. */
export class RetryNow extends Error {}

function apiKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

/** Set once the user declines to give a key: every caller (vehicles, geofences, tracks) stops asking. */
let stopped: StopPolling | undefined;

/** Forgets the refused key and asks for one (prompt blocks: no other answer is handled meanwhile). */
function askForKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  const given = window.prompt('API key for this stage (kept for this browser session):');
  if (given?.trim()) sessionStorage.setItem(KEY_STORAGE, given.trim());
  else stopped = new StopPolling('an API key is needed: reload the page to enter one');
}

/**
 * GET a path of the API. A refused key (API Gateway says 403, the app 401) is forgotten and asked
 * for once: calls refused with the same key do not ask again, and a call refused with a key already
 * replaced just retries. A cancel throws StopPolling (then and on every later call), a new key
 * RetryNow. Other failures throw with the status.
 */
export async function apiGet(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Response> {
  if (stopped) throw stopped;
  const key = apiKey();
  // no-store: the page revalidates by its own ETags; the browser's cache would only second-guess them.
  const response = await fetch(`${API_BASE}${pathAndQuery}`, { headers: { ...headers, ...(key && { 'x-api-key': key }) }, cache: 'no-store' });
  if (response.status === 401 || response.status === 403) {
    await response.arrayBuffer().catch(() => undefined);
    if (!stopped && apiKey() === key) askForKey();
    if (stopped) throw stopped;
    throw new RetryNow('key entered');
  }
  if (response.status !== 304 && !response.ok) throw new Error(`GET ${pathAndQuery.split('?')[0]} answered ${response.status}`);
  return response;
}

/** Runs a call again, once, when it failed only for a key just entered. */
export async function withKeyRetry<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RetryNow) return call();
    throw error;
  }
}

/** Every item of a paged list (`{ items, nextCursor }`), up to `maxPages` pages. */
export async function apiGetAll<T>(path: string, query: Record<string, string>, maxPages: number): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await apiGet(`${path}?${new URLSearchParams({ ...query, ...(cursor && { cursor }) })}`);
    const body = (await response.json()) as { items: T[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor ?? undefined;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}
