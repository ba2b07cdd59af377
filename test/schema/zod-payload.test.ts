// EventSchema is held to validateEvent's rules, so that a form or an API boundary checked with it passes no event
// that record() and the server then refuse. Its payload is any JSON, but JSON that the protocol refuses (PROTOCOL.md
// §1: lone surrogates, integers beyond ±(2^53−1)), that nests deeper than an event may, or that makes the event too
// large, passed it: each of these arrives in a JSON request body, and the server answers it 400 or 413.
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/schema/index.js';
import { EventSchema } from '../../src/schema/zod.js';

const base = () => ({ tenant_id: 'acme', event_type: 'probe', event_id: 'e-1', trace_id: 'e-1' });
const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

describe('EventSchema on a payload that validateEvent refuses', () => {
  it.each([
    ['an integer beyond 2^53 (as JSON.parse reads 9007199254740993)', JSON.parse('{"n":{"id":9007199254740993}}'), 'ERR_JCS_INVALID', 'n.id'],
    ['a lone surrogate in a string (as JSON.parse reads "\\ud800")', JSON.parse('{"text":["ok","\\ud800"]}'), 'ERR_JCS_INVALID', 'text[1]'],
    ['a lone surrogate in a key', JSON.parse('{"\\udc00":1}'), 'ERR_JCS_INVALID', '$["\\udc00"]'],
    ['nesting deeper than 32 levels', { deep: nested(32) }, 'ERR_TOO_DEEP', `deep${'[0]'.repeat(31)}`],
    ['an event over 1 MiB as canonical JSON', { text: 'x'.repeat(1024 * 1024) }, 'ERR_TOO_LARGE', 'event'],
    ['more JSON values than a server body takes', { list: new Array(99_001).fill(0) }, 'ERR_TOO_LARGE', 'event'],
    ['NaN', { score: Number.NaN }, 'ERR_JCS_INVALID', 'score'],
  ])('refuses %s, in the validator’s words', (_why, payload, code, field) => {
    const event = { ...base(), ...payload };
    let refusal: { code?: string; field?: string; message?: string } = {};
    try {
      validateEvent(structuredClone(event));
    } catch (error) {
      refusal = error as typeof refusal;
    }
    expect(refusal).toMatchObject({ code, field });
    const result = EventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message)).toContain(refusal.message);
  });

  it('still takes any payload the validator takes, and reports a schema fault once, as before', () => {
    const payload = { n: 2 ** 53 - 1, text: 'caf\u00e9 \ud83d\ude00', deep: nested(30), list: [null, true, { a: -0 }] };
    expect(EventSchema.safeParse({ ...base(), ...payload }).success).toBe(true);
    const result = EventSchema.safeParse({ ...base(), tenant_id: 'no spaces', n: 2 ** 60 });
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['tenant_id']);
  });
});
