import { AegisLogError, pathOf } from '../protocol/index.js';
import { CONTEXT_NAMES, EVENT_FIELDS, invalid, isPlainObject, validateEvent } from '../schema/index.js';
import type { WireEvent } from '../protocol/index.js';
// The server's limits: a module of constants and types only, safe on the edge (no Node built-in).
import { DEFAULT_LIMITS } from '../server/context.js';
// The server's body reader, media-type check, error mapping and error shape: the relay refuses input exactly as the server does.
import { originOf } from '../transport/origin.js';
import { badNumberError, badNumbersByEvent, clientError, errorBody, json, methodNotAllowed, readJsonBody, requireJsonType, tooLarge } from '../transport/web-handler.js';
import type { BadNumber, ClientError, JsonBody } from '../transport/web-handler.js';
import { timedBody } from './body-deadline.js';
import { corsHeaders, isAllowedOrigin, preflight } from './cors.js';
import { answerText, forwardBatches, notTheApi, type BatchError } from './forward.js';
import { tokenBucket, type RateLimitOptions } from './rate-limit.js';

export interface RelayOptions {
  /** Base URL of the AegisLog API, such as `https://api.example.com`. */
  endpoint: string;
  /** The secret key the relay adds upstream. It never leaves the server side. */
  apiKey: string;
  /** Browser origins allowed to post, exactly as the browser sends them (`https://app.example.com`), the relay's own among them: it is never taken from the Host header. */
  allowedOrigins: readonly string[];
  /**
   * Largest request body read, counted while it streams, on every route. Default: the server's limit for
   * each route (4 MiB on `…/ingest`, 1 MiB on `…/ingest/batch`, 60 KB on `…/beacon`).
   */
  maxBodyBytes?: number;
  /** A token bucket per client IP (else Origin); requests over it get 429 with Retry-After. */
  rateLimit?: RateLimitOptions;
  /** Upstream fetch; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Upstream timeout in ms: past it the browser gets 504 `gateway_timeout`. Default 10,000. */
  timeout?: number;
  /**
   * ms for a browser's request body to arrive whole, once the relay starts reading it: past it the
   * browser gets 408 `request_timeout` (a client that sends part of a body and stalls). Default 30,000,
   * the reference server's `requestTimeout`.
   */
  bodyTimeout?: number;
  /** Clock for the rate limiter, in ms. Default `Date.now`. */
  now?: () => number;
}

/** A Web fetch handler: export it as a Worker's `fetch`, or as a Next.js route's `POST` and `OPTIONS`. */
export type Relay = (request: Request) => Promise<Response>;

type Route = 'ingest' | 'batch' | 'beacon';

/**
 * The browser-facing relay on the app's own origin. Browsers post the same
 * routes they would post to the server (`…/ingest`, `…/ingest/batch`,
 * `…/beacon`) without any key; the relay checks each event with the validator
 * the client and the server use, adds its key, and forwards to `/ingest/batch`
 * (a single `/ingest` goes to `/ingest`, whose answer is one receipt).
 */
export function createRelay(options: RelayOptions): Relay {
  // No options at all (a JS caller's config not loaded) is a missing endpoint too, as for the client: not a TypeError.
  if (!options?.endpoint || !options.apiKey) throw new AegisLogError('ERR_CONFIG', 'createRelay needs endpoint and apiKey', { field: options?.endpoint ? 'apiKey' : 'endpoint' });
  // As the client: a key no header can carry (beyond Latin-1, a line break inside) failed every upstream request, a 502.
  try {
    new Headers({ 'x-api-key': options.apiKey });
  } catch {
    throw new AegisLogError('ERR_CONFIG', 'apiKey has a character no HTTP header can carry', { field: 'apiKey' });
  }
  const endpoint = String(options.endpoint).replace(/\/+$/, '');
  const url = /^https?:\/\/[^/]/.test(endpoint) ? parsed(endpoint) : undefined;
  if (!url) throw new AegisLogError('ERR_CONFIG', 'endpoint must be an http(s) URL, such as https://api.example.com', { field: 'endpoint' });
  // fetch refuses a URL with credentials, and a query or a fragment (even an empty one) would swallow the routes appended to it.
  if (url.username || url.password || /[?#]/.test(endpoint)) {
    throw new AegisLogError('ERR_CONFIG', 'endpoint must not carry credentials, a query or a fragment', { field: 'endpoint' });
  }
  // A limit that is not a number (NaN from an unset variable) would be no limit at all: every comparison with it is false.
  if (options.maxBodyBytes !== undefined && !(Number.isSafeInteger(options.maxBodyBytes) && options.maxBodyBytes >= 1)) throw configError('maxBodyBytes', 'a whole number of bytes ≥ 1', options.maxBodyBytes);
  // Timers take at most 2^31 − 1 ms (beyond, they fire after 1 ms), and Node's AbortSignal.timeout whole ms only (else RangeError).
  if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout >= 1 && options.timeout <= MAX_TIMER_MS)) throw configError('timeout', `a whole number of ms from 1 to ${MAX_TIMER_MS}`, options.timeout);
  if (options.bodyTimeout !== undefined && !(Number.isFinite(options.bodyTimeout) && options.bodyTimeout >= 1 && options.bodyTimeout <= MAX_TIMER_MS)) throw configError('bodyTimeout', `a number of ms from 1 to ${MAX_TIMER_MS}`, options.bodyTimeout);
  // As the client's: one that is no function failed every request (a 502 blaming the API, or a TypeError).
  for (const name of ['fetch', 'now'] as const) if (options[name] != null && typeof options[name] !== 'function') throw configError(name, 'a function', options[name]);
  const origins = allowedOriginSet(options.allowedOrigins);
  // The server's limit per route (DEFAULT_LIMITS), unless one limit is given for all.
  const bodyLimit: Record<Route, number> = {
    ingest: options.maxBodyBytes ?? DEFAULT_LIMITS.ingestBytes,
    batch: options.maxBodyBytes ?? DEFAULT_LIMITS.batchBytes,
    beacon: options.maxBodyBytes ?? DEFAULT_LIMITS.beaconBytes,
  };
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeout = options.timeout ?? 10_000;
  const bodyTimeout = options.bodyTimeout ?? 30_000;
  const limit = options.rateLimit ? tokenBucket(options.rateLimit, options.now ?? Date.now) : undefined;

  const post = (path: string, body: string): Promise<Response> =>
    doFetch(`${endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body,
      // Never followed: a redirect would take the key to whatever host the Location names (fetch drops
      // only Authorization across origins), and a 301/302 would turn the POST into a GET.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeout),
    });

  return async (request) => {
    const origin = request.headers.get('origin');
    if (origin !== null && !isAllowedOrigin(origin, origins)) {
      return failure(403, 'origin_not_allowed', `origin ${origin} is not allowed to post to this relay`, null);
    }
    if (request.method === 'OPTIONS') return preflight(origin);
    const { pathname } = new URL(request.url);
    const route = routeOf(pathname);
    if (route === null) {
      // A read route is refused as the server refuses the relay's ingest key there (403): a 404 on /verify is
      // the client's verdict "no such event" (verify() returns not_found), which the relay cannot know.
      if (/\/(verify|evidence)\//.test(pathname)) {
        return failure(403, 'forbidden', 'the relay serves the ingest routes only: verify against the AegisLog server, with a read key', origin);
      }
      return failure(404, 'not_found', 'the relay serves POST …/ingest, …/ingest/batch and …/beacon', origin);
    }
    // In the server's words, naming the path the caller asked for.
    if (request.method !== 'POST') return refusal(methodNotAllowed(request.method, pathname, 'POST, OPTIONS'), origin);
    const wait = limit?.(request) ?? 0;
    if (wait > 0) return failure(429, 'rate_limited', 'too many requests from this client', origin, { 'retry-after': String(wait) });

    let body: JsonBody;
    try {
      // As the server: the media type first (a beacon may be text/plain, what sendBeacon sends), then the body.
      requireJsonType(request, route === 'beacon' ? ['text/plain'] : []);
    } catch (error) {
      return refusal(error, origin);
    }
    const timed = timedBody(request, bodyTimeout);
    try {
      body = await readJsonBody(timed.request, bodyLimit[route], JSON_LIMITS);
    } catch (error) {
      // In the words of the Node server's adapter, whose requestTimeout bounds the same wait there.
      if (timed.expired) return failure(408, 'request_timeout', 'the request took too long to arrive', origin);
      return refusal(error, origin);
    } finally {
      timed.stop();
    }
    try {
      return route === 'ingest' ? await single(body, origin) : await batch(body, route, origin);
    } catch (error) {
      // A 200 that is not the API's answer, a network failure or a timeout upstream: a 5xx, so that the
      // browser keeps the events and retries.
      if (error instanceof AegisLogError && error.code === 'ERR_BAD_RESPONSE') return failure(502, 'bad_gateway', error.message, origin);
      // No answer in time (AbortSignal.timeout, while connecting, waiting or reading): a gateway's 504
      // (RFC 9110 §15.6.5), apart from an upstream that could not be reached at all (502).
      if ((error as Error | undefined)?.name === 'TimeoutError') {
        return failure(504, 'gateway_timeout', `the AegisLog API did not answer the relay within ${timeout} ms`, origin);
      }
      return failure(502, 'bad_gateway', `the AegisLog API did not answer: ${(error as Error).name}`, origin);
    }
  };

  async function single({ value, badNumbers: [bad] }: JsonBody, origin: string | null): Promise<Response> {
    try {
      // One event: a number a double cannot hold refuses it, naming its field (the server's ingestOne).
      if (bad) throw badNumberError(pathOf(bad.path), bad.text);
      checkAsServer(value, true);
    } catch (error) {
      return refusal(error, origin);
    }
    return upstreamAnswer(await post('/ingest', JSON.stringify(value)), origin);
  }

  async function batch({ value: body, badNumbers }: JsonBody, route: Route, origin: string | null): Promise<Response> {
    // A beacon carries {"key","events"}; the key is the browser's business and is never forwarded.
    if (!isPlainObject(body) || !Array.isArray(body.events)) return failure(400, 'bad_request', 'body must be {"events":[...]}', origin, {}, 'events');
    const events: unknown[] = body.events;
    // As the server (413, on which the client splits): split here instead, one request of 50,000 tiny events,
    // one token of its client's rate, became 100 upstream requests under the key every visitor shares.
    if (events.length > DEFAULT_LIMITS.batchEvents) return refusal(tooLarge(`a batch holds at most ${DEFAULT_LIMITS.batchEvents} events; split it`), origin);
    let refused: Map<number, BatchError>;
    try {
      refused = badNumberRefusals(events, badNumbers);
    } catch (error) {
      return refusal(error, origin);
    }
    const good: { event: WireEvent; index: number }[] = [];
    const errors: BatchError[] = [];
    events.forEach((event, index) => {
      const early = refused.get(index);
      if (early) return void errors.push(early);
      try {
        checkAsServer(event, false);
        good.push({ event: event as WireEvent, index });
      } catch (error) {
        const known = clientError(error);
        if (!known) throw error;
        errors.push(eventError(index, event, known));
      }
    });
    // As the server does: a batch is answered 200, its bad events named in `errors`, even when none is good.
    const answer = good.length ? await forwardBatches(good, (chunk) => post('/ingest/batch', chunk), (one) => post('/ingest', one)) : { receipts: [], errors: [] };
    if (answer instanceof Response) return upstreamAnswer(answer, origin);
    answer.errors.push(...errors);
    answer.errors.sort((a, b) => a.index - b.index);
    if (route === 'beacon') return new Response(null, { status: 204, headers: corsHeaders(origin) });
    return json(200, answer, corsHeaders(origin));
  }
}

/**
 * Refuses what the server would refuse, with its words: the server first fills what it may (the
 * key's tenant, the ids) and, on the Python-compatible /ingest, treats `null` as absent, then runs
 * the shared validator. The relay does the same on a copy and forwards the event unchanged, so that
 * the server fills it exactly as it would have.
 */
function checkAsServer(raw: unknown, pythonCompatible: boolean): void {
  if (!isPlainObject(raw)) throw invalid('event', 'must be a JSON object');
  const event: Record<string, unknown> = { ...raw };
  if (pythonCompatible) {
    for (const field of EVENT_FIELDS) if (event[field] === null) delete event[field];
    // dropNullContextFields deletes inside the contexts: copies, not the caller's objects.
    for (const name of CONTEXT_NAMES) if (isPlainObject(event[name])) event[name] = { ...event[name] };
  }
  // The server takes its key's tenant for a missing tenant_id and answers 403 for another tenant's before the
  // validator sees it: the relay, which does not know its key's tenant, leaves that answer to the server (a
  // well-formed tenant_id is checked as the key's would be). One that is no tenant id is the validator's 400
  // on the server, named before any other fault: the relay refuses it so too.
  // A well-formed tenant_id is kept, being what the server measures the event with (an event near the size
  // limit); for a missing one, the shortest stand-in, so that the relay never refuses as too large an event
  // the server might take with its own tenant: the server answers for the rest, in its words.
  if (event.tenant_id === undefined) event.tenant_id = 't';
  validateEvent(event, { idsFollow: true, dropNullContextFields: pythonCompatible });
}

/** The longest a timer waits (24.8 days), as the client's and the server's options allow. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The server's JSON limits (depth, values), checked while the body streams. */
const JSON_LIMITS = { maxDepth: DEFAULT_LIMITS.jsonDepth, maxValues: DEFAULT_LIMITS.jsonValues };

/** The server's per-event error: the field as in the event itself, the index saying which event. */
function eventError(index: number, event: unknown, known: Pick<ClientError, 'code' | 'message' | 'field'>): BatchError {
  const eventId = isPlainObject(event) && typeof event.event_id === 'string' ? event.event_id : undefined;
  return { index, ...(eventId === undefined ? {} : { event_id: eventId }), code: known.code, message: known.message, ...(known.field === undefined ? {} : { field: known.field }) };
}

/** As the server's batch and beacon routes: an event holding a number a double cannot hold is refused alone. */
function badNumberRefusals(events: readonly unknown[], badNumbers: readonly BadNumber[]): Map<number, BatchError> {
  const refused = new Map<number, BatchError>();
  for (const [index, error] of badNumbersByEvent(badNumbers)) refused.set(index, eventError(index, events[index], error));
  return refused;
}

/** Exact origins, as browsers send them: `https://app.example.com/` is kept as `https://app.example.com`; blanks (an empty env var split on commas) are skipped. */
function allowedOriginSet(list: readonly string[]): Set<string> {
  // A comma-separated string straight from an env var is the likely mistake: name it, not `forEach is not a function`.
  if (!Array.isArray(list)) throw new AegisLogError('ERR_CONFIG', `allowedOrigins must be an array of origins, such as ['https://app.example.com'] (it is ${typeof list === 'string' ? 'a string: split it on commas' : String(list)})`, { field: 'allowedOrigins' });
  const out = new Set<string>();
  list.forEach((entry, i) => {
    if (typeof entry !== 'string') throw new AegisLogError('ERR_CONFIG', `allowedOrigins[${i}] must be a string, such as https://app.example.com`, { field: `allowedOrigins[${i}]` });
    const text = entry.trim();
    if (text === '') return;
    const origin = originOf(text);
    if (origin === undefined) {
      throw new AegisLogError('ERR_CONFIG', `allowedOrigins[${i}] (${JSON.stringify(entry)}) is not an origin such as https://app.example.com; wildcards are not allowed`, { field: `allowedOrigins[${i}]` });
    }
    out.add(origin);
  });
  return out;
}

function routeOf(path: string): Route | null {
  if (path.endsWith('/ingest/batch')) return 'batch';
  if (path.endsWith('/ingest')) return 'ingest';
  if (path.endsWith('/beacon')) return 'beacon';
  return null;
}

/**
 * The statuses the server answers on its ingest routes about the input or its own load, passed through in
 * its words: 400, 403 naming a field, 409, 413, and 408, 429 and 5xx (retried by the browser).
 */
const PASSED = new Set([400, 403, 408, 409, 413, 429]);

/**
 * Passes the server's answer through, except where passing it would make the
 * browser drop good events: a 200 that is not a receipt throws `notTheApi()`; the relay's own key being refused (401, or a 403
 * that names no field) is a deployment fault, so the browser gets a 502 and
 * retries later. A 403 naming a field refuses the event (a `tenant_id` that is
 * not the key's tenant) and passes through, in the server's words. Any other
 * status (a redirect, 404 or 405: the relay's `endpoint` is not the API's) is
 * a deployment fault too: a 502 that names neither the upstream's URL nor its path.
 * An error not in the API's words (a proxy's HTML page, which may name the
 * upstream host) is not passed on: a 429, 408 or 5xx keeps its status and
 * Retry-After with the relay's own words, anything else is a 502.
 */
async function upstreamAnswer(response: Response, origin: string | null): Promise<Response> {
  const { status } = response;
  const headers = corsHeaders(origin);
  for (const name of ['content-type', 'retry-after']) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const text = await answerText(response);
  if (status === 200) {
    // A receipt (PROTOCOL.md §7) names its event; anything else is not the API's answer (see notTheApi).
    if (!isReceipt(text)) throw notTheApi();
    return new Response(text, { status, headers });
  }
  const error = apiError(text);
  if (status === 401 || (status === 403 && typeof error?.field !== 'string')) {
    return failure(502, 'upstream_refused_key', `the AegisLog API refused the relay's key (${status})`, origin);
  }
  const retried = status === 408 || status === 429 || status >= 500;
  if (error && (PASSED.has(status) || retried)) return new Response(text, { status, headers });
  if (retried) {
    const retryAfter = response.headers.get('retry-after');
    const code = status === 429 ? 'rate_limited' : status === 408 ? 'request_timeout' : 'unavailable';
    return failure(status, code, `the AegisLog API answered the relay ${status}; try again later`, origin, retryAfter === null ? {} : { 'retry-after': retryAfter });
  }
  return failure(502, 'bad_gateway', `the AegisLog API answered the relay ${status}: its endpoint does not lead to the API's ingest routes`, origin);
}

function isReceipt(text: string): boolean {
  try {
    const receipt: unknown = JSON.parse(text);
    return isPlainObject(receipt) && typeof receipt.event_id === 'string';
  } catch {
    return false;
  }
}

/** The `error` of an answer in the API's words (`{"error":{"code","message","field"?}}`), else undefined. */
function apiError(text: string): { code: string; field?: unknown } | undefined {
  try {
    const answer: unknown = JSON.parse(text);
    if (isPlainObject(answer) && isPlainObject(answer.error) && typeof answer.error.code === 'string') return answer.error as { code: string; field?: unknown };
  } catch {
    // not JSON
  }
  return undefined;
}

/** Input the server would refuse (a body it cannot read, an event it does not accept), answered in its words and status. */
function refusal(error: unknown, origin: string | null): Response {
  const known = clientError(error);
  if (!known) throw error;
  return failure(known.status, known.code, known.message, origin, known.headers, known.field);
}

function configError(field: string, wanted: string, value: unknown): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${field} must be ${wanted} (it is ${String(value)})`, { field });
}

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function failure(status: number, code: string, message: string, origin: string | null, extra: Record<string, string> = {}, field?: string): Response {
  return json(status, errorBody(code, message, field), { ...corsHeaders(origin), ...extra });
}
