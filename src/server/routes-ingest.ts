import { allowsOrigin, authenticate, presentedKey } from './auth.js';
import type { ApiKeyConfig } from './auth.js';
import type { Context, Handler } from './context.js';
import { HttpError, badRequest, errorBody, forbidden, json, readJson, tooLarge } from '../transport/web-handler.js';
import { ingestEvents } from './ingest.js';
import type { IngestOutcome } from './ingest.js';
import { isPlainObject } from '../schema/index.js';

/**
 * The ingest routes, the only ones browsers call: CORS follows each key's
 * `origins`. A same-origin page (a demo served by this server) needs no entry.
 */
export const CORS_ROUTES = new Set(['/ingest', '/ingest/batch', '/beacon']);

export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, x-api-key, authorization',
    'access-control-expose-headers': 'retry-after',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

/** A cross-origin browser call: its Origin, or undefined for a server or a same-origin page. */
export function crossOrigin(request: Request, url: URL): string | undefined {
  const origin = request.headers.get('origin');
  return origin === null || origin === url.origin ? undefined : origin;
}

function checkOrigin(key: ApiKeyConfig, origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  if (!allowsOrigin(key, origin)) throw new HttpError(403, 'origin_not_allowed', `origin ${origin} is not allowed for this key`);
  return corsHeaders(origin);
}

export const ingestOne: Handler = async (request, url, ctx) => {
  const key = authenticate(ctx.ring, presentedKey(request), 'ingest');
  const cors = checkOrigin(key, crossOrigin(request, url));
  const event = await readJson(request, ctx.limits.ingestBytes);
  const [outcome] = await ingestEvents(ctx, [event], key, true);
  if ('receipt' in outcome!) return json(200, outcome.receipt, cors);
  const { status, code, message, field } = outcome!.error;
  return json(status, errorBody(code, message, field), cors);
};

export const ingestBatch: Handler = async (request, url, ctx) => {
  const key = authenticate(ctx.ring, presentedKey(request), 'ingest');
  const cors = checkOrigin(key, crossOrigin(request, url));
  const events = eventsOf(await readJson(request, ctx.limits.batchBytes), ctx);
  return json(200, batchAnswer(await ingestEvents(ctx, events, key, false)), cors);
};

/**
 * `sendBeacon` sets no headers, so the key is in the text/plain body. Only
 * `ingest` keys: a read key in a page would be a secret handed to every visitor.
 * The Origin is checked once the key is known, and the answer is always 204.
 */
export const beacon: Handler = async (request, url, ctx) => {
  const body = await readJson(request, ctx.limits.beaconBytes);
  if (!isPlainObject(body) || typeof body.key !== 'string') throw badRequest('a beacon body is {"key","events":[...]}', 'key');
  const key = authenticate(ctx.ring, body.key, 'ingest');
  if (key.scope !== 'ingest') throw forbidden(`a ${key.scope} key is a secret and must never be sent from a browser; use an ingest key`, 'key');
  const cors = checkOrigin(key, crossOrigin(request, url));
  await ingestEvents(ctx, eventsOf(body, ctx), key, false);
  return new Response(null, { status: 204, headers: cors });
};

/** CORS preflight: it carries no key, so it is allowed when some ingest key allows the origin. */
export function preflight(request: Request, url: URL, ctx: Context): Response {
  const origin = crossOrigin(request, url);
  if (origin === undefined) return new Response(null, { status: 204 });
  if (!ctx.ring.anyAllows(origin)) return json(403, errorBody('origin_not_allowed', `origin ${origin} is not allowed`));
  return new Response(null, { status: 204, headers: corsHeaders(origin) });
}

function eventsOf(body: unknown, ctx: Context): unknown[] {
  if (!isPlainObject(body) || !Array.isArray(body.events)) throw badRequest('body must be {"events":[...]}', 'events');
  if (body.events.length > ctx.limits.batchEvents) throw tooLarge(`a batch holds at most ${ctx.limits.batchEvents} events; split it`);
  return body.events;
}

function batchAnswer(outcomes: IngestOutcome[]) {
  const receipts = [];
  const errors = [];
  for (const outcome of outcomes) {
    if ('receipt' in outcome) receipts.push(outcome.receipt);
    else {
      const { status: _, ...entry } = outcome.error;
      errors.push(entry);
    }
  }
  return { receipts, errors };
}
