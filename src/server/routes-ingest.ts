import { pathOf } from '../protocol/index.js';
import { allowsOrigin, identify, presentedKey } from './auth.js';
import type { ApiKeyConfig } from './auth.js';
import { BYTES_PER_UNIT, VALUES_PER_UNIT } from './context.js';
import type { Context, Handler } from './context.js';
import { HttpError, badNumberError, badNumbersByEvent, badRequest, errorBody, forbidden, parseJsonBytes, readBody, readJsonBody, requireJsonType, tooLarge } from '../transport/web-handler.js';
import { leadingKey, topLevelKey } from './beacon-key.js';
import { admitHeld, held } from './in-flight.js';
import { jsonAnswer, jsonListAnswer, type Answer } from './answer.js';
import type { BadNumber } from '../transport/web-handler.js';
import { ingestEvents } from './ingest.js';
import type { EventError, IngestOutcome } from './ingest.js';
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

/**
 * A cross-origin browser call: its Origin, or undefined for a server or a page
 * of this server's own public origins. Not "Origin equals Host": under DNS
 * rebinding a hostile page's Host is whatever name it rebound to us.
 */
export function crossOrigin(request: Request, ctx: Context): string | undefined {
  const origin = request.headers.get('origin');
  return origin === null || ctx.isPublicOrigin(origin) ? undefined : origin;
}

function checkOrigin(key: ApiKeyConfig, origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  if (!allowsOrigin(key, origin)) throw new HttpError(403, 'origin_not_allowed', `origin ${origin} is not allowed for this key`);
  return corsHeaders(origin);
}

export const ingestOne: Handler = async (request, _url, ctx) => {
  const key = identify(ctx.ring, presentedKey(request), 'ingest');
  return held(ctx, key, async () => {
    const cors = checkOrigin(key, crossOrigin(request, ctx));
    requireJsonType(request);
    const body = await readJsonBody(request, ctx.limits.ingestBytes, jsonLimits(ctx), spentBy(ctx, key));
    ctx.ring.budget.charge(key, 1 + body.bytes / BYTES_PER_UNIT);
    const [bad] = body.badNumbers;
    if (bad) throw badNumberError(pathOf(bad.path), bad.text);
    const [outcome] = await ingestEvents(ctx, [body.value], key, true);
    if ('receipt' in outcome!) return jsonAnswer(200, outcome.receipt, cors);
    const { status, code, message, field } = outcome!.error;
    return jsonAnswer(status, errorBody(code, message, field), cors);
  });
};

export const ingestBatch: Handler = async (request, _url, ctx) => {
  const key = identify(ctx.ring, presentedKey(request), 'ingest');
  return held(ctx, key, async () => {
    const cors = checkOrigin(key, crossOrigin(request, ctx));
    requireJsonType(request);
    const body = await readJsonBody(request, ctx.limits.batchBytes, jsonLimits(ctx), spentBy(ctx, key));
    ctx.ring.budget.charge(key, body.bytes / BYTES_PER_UNIT);
    const events = eventsOf(body.value, ctx);
    ctx.ring.budget.charge(key, events.length);
    const { receipts, errors } = batchAnswer(await ingestChecked(ctx, events, body.badNumbers, key));
    return jsonListAnswer(200, 'receipts', receipts, { errors }, cors);
  });
};

/**
 * `sendBeacon` sets no headers, so the key is in the text/plain body. Only
 * `ingest` keys: a read key in a page would be a secret handed to every visitor.
 * The key is checked before the body is scanned or parsed (beacon-key.ts): when
 * the body starts with it, as the client writes it, before the rest is read.
 * The Origin is checked once the key is known, and the answer is always 204.
 */
export const beacon: Handler = async (request, _url, ctx) => {
  requireJsonType(request, ['text/plain']);
  // The key's slots in flight taken (one, or two for a body naming two keys), let go however this ends.
  const slots: (() => void)[] = [];
  const admit = (presented: string): ApiKeyConfig => {
    const key = identify(ctx.ring, presented, 'ingest');
    if (key.scope !== 'ingest') throw forbidden(`${key.scope === 'admin' ? 'an' : 'a'} ${key.scope} key is a secret and must never be sent from a browser; use an ingest key`, 'key');
    slots.push(admitHeld(ctx, key));
    return key;
  };
  try {
    let presented: string | undefined;
    let key: ApiKeyConfig | undefined;
    let first = true;
    const bytes = await readBody(request, ctx.limits.beaconBytes, (chunk) => {
      if (!first) return;
      first = false;
      presented = leadingKey(chunk);
      if (presented !== undefined) key = admit(presented);
    });
    if (!key) {
      // Else a walk over the top-level members (the key may come last), still before any parsing.
      // Not an object, or malformed at the top: the parser below says what is wrong, as before.
      const found = topLevelKey(bytes);
      if (found && found.key === undefined) throw badShape();
      if (found) key = admit((presented = found.key!));
    }
    const read = parseJsonBytes(bytes, jsonLimits(ctx), key && spentBy(ctx, key));
    const body = read.value;
    if (!isPlainObject(body) || typeof body.key !== 'string') throw badShape();
    // JSON.parse keeps the last of repeated `key` members; the one checked above was the first.
    if (key && body.key !== presented) throw badRequest('a beacon body names one key', 'key');
    if (!key) {
      key = admit(body.key);
      spentBy(ctx, key)(read.values);
    }
    ctx.ring.budget.charge(key, bytes.byteLength / BYTES_PER_UNIT);
    const cors = checkOrigin(key, crossOrigin(request, ctx));
    const events = eventsOf(body, ctx);
    ctx.ring.budget.charge(key, events.length);
    await ingestChecked(ctx, events, read.badNumbers, key);
    return new Response(null, { status: 204, headers: cors });
  } finally {
    for (const release of slots) release();
  }
};

const badShape = () => badRequest('a beacon body is {"key","events":[...]}', 'key');

/** CORS preflight: it carries no key, so it is allowed when some ingest key allows the origin. */
export function preflight(request: Request, ctx: Context): Answer {
  const origin = crossOrigin(request, ctx);
  if (origin === undefined) return new Response(null, { status: 204 });
  if (!ctx.ring.anyAllows(origin)) return jsonAnswer(403, errorBody('origin_not_allowed', `origin ${origin} is not allowed`));
  return new Response(null, { status: 204, headers: corsHeaders(origin) });
}

const jsonLimits = (ctx: Context) => ({ maxDepth: ctx.limits.jsonDepth, maxValues: ctx.limits.jsonValues });

/** Charges the JSON values a body held (read and scanned, accepted or not) to the key that sent it. The events are charged once counted. */
const spentBy = (ctx: Context, key: ApiKeyConfig) => (values: number) => ctx.ring.budget.charge(key, values / VALUES_PER_UNIT);

/**
 * `ingestEvents`, except that an event holding a number a double cannot hold
 * (`1e-400`) is refused alone, naming its field, as the validator refuses
 * others: JSON.parse has already changed that number, so only the text knew.
 */
async function ingestChecked(ctx: Context, events: unknown[], badNumbers: readonly BadNumber[], key: ApiKeyConfig): Promise<IngestOutcome[]> {
  if (badNumbers.length === 0) return ingestEvents(ctx, events, key, false);
  const refused = new Map<number, EventError>();
  for (const [index, { code, message, field }] of badNumbersByEvent(badNumbers)) {
    const raw = events[index];
    const eventId = isPlainObject(raw) && typeof raw.event_id === 'string' ? raw.event_id : undefined;
    refused.set(index, { index, ...(eventId === undefined ? {} : { event_id: eventId }), status: 400, code, message, field: field! });
  }
  const kept = events.flatMap((_, i) => (refused.has(i) ? [] : [i]));
  const outcomes = await ingestEvents(ctx, kept.map((i) => events[i]), key, false);
  const merged: IngestOutcome[] = outcomes.map((o) => {
    const index = kept[o.index]!;
    return 'receipt' in o ? { index, receipt: o.receipt } : { index, error: { ...o.error, index } };
  });
  for (const [index, error] of refused) merged.push({ index, error });
  return merged.sort((a, b) => a.index - b.index);
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
