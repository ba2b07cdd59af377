// Issue 11, item 6: names that every object inherits from Object.prototype (constructor, toString,
// __proto__, …) passed the context allow-list, which asked `key in rules`. The one validator is
// shared, so each of its users is tried: the validator, the client's record(), the reference server
// (its handler in-process, both ingest routes) and the edge relay.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { AegisLogValidationError } from '../../src/protocol/index.js';
import { validateEvent } from '../../src/schema/index.js';
import { createRelay } from '../../src/edge/index.js';
import { recordingUpstream } from '../edge/upstream.js';
import { INGEST_KEY, TENANT, inProcessServer, storedIds } from '../client/helpers.js';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
const ENDPOINT = 'https://aegislog.test';

/** A model_context with one extra own field, as JSON.parse makes it (an own `__proto__` too). */
function contextWith(name: string): Record<string, unknown> {
  return JSON.parse(`{"model_id":"m","model_version":"1",${JSON.stringify(name)}:{"polluted":true}}`);
}

function eventWith(name: string, id: string): Record<string, unknown> {
  return { tenant_id: TENANT, event_type: 'probe', event_id: id, trace_id: id, model_context: contextWith(name) };
}

describe.each(NAMES)('a context field named %s', (name) => {
  const field = `model_context.${name}`;
  const refusal = expect.objectContaining({ field, message: expect.stringContaining('is not a field of model_context') });

  it('is refused by validateEvent, naming the field', () => {
    expect(() => validateEvent(eventWith(name, 'v-1'))).toThrow(AegisLogValidationError);
    expect(() => validateEvent(eventWith(name, 'v-1'))).toThrow(refusal);
  });

  it('is refused by record() and nothing is queued', async () => {
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: ENDPOINT, queue, flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', {}, { model_context: contextWith(name) as never })).toThrow(refusal);
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    await log.close();
  });

  it('is refused by the server on /ingest (400) and in a batch (a per-event error); nothing is stored', async () => {
    const srv = await inProcessServer();
    const post = (path: string, body: unknown) =>
      srv.fetch(`${ENDPOINT}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY }, body: JSON.stringify(body) });
    const single = await post('/ingest', eventWith(name, 's-1'));
    expect(single.status).toBe(400);
    expect((await single.json()).error).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field });
    const batch = await post('/ingest/batch', { events: [eventWith(name, 's-2')] });
    expect(batch.status).toBe(200);
    expect(await batch.json()).toMatchObject({ receipts: [], errors: [{ index: 0, event_id: 's-2', code: 'ERR_SCHEMA_INVALID', field }] });
    expect(await storedIds(srv.fetch, ENDPOINT)).toEqual([]);
  });

  it('is refused by the relay, which forwards nothing', async () => {
    const upstream = recordingUpstream();
    const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: 'sk', allowedOrigins: [], fetch: upstream.fetch });
    const single = await relay(new Request('https://relay.example.com/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(eventWith(name, 'r-1')) }));
    expect(single.status).toBe(400);
    expect((await single.json()).error).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field });
    expect(upstream.seen).toEqual([]);
  });
});

describe('a payload field named __proto__', () => {
  it('is kept by record() as an own field, as JSON carries it, and stored by the server with a matching digest', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, queue, flushInterval: 0, fetch: srv.fetch, onError: () => {} });
    const id = log.record('probe', JSON.parse('{"__proto__":{"a":1},"b":2}'));
    await log.durable();
    const [entry] = await queue.list('q', 1);
    const sent = JSON.parse(entry!.body);
    expect(Object.getPrototypeOf(sent)).toBe(Object.prototype);
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
    expect(sent.__proto__).toEqual({ a: 1 });
    expect(sent.b).toBe(2);
    expect(await log.flush()).toMatchObject({ sent: 1, deadLettered: 0 }); // the receipt's digest matched
    expect(await storedIds(srv.fetch, ENDPOINT)).toEqual([id]);
    await log.close();
  });
});
