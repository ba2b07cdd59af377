import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { AegisLogValidationError } from '../../src/protocol/index.js';
import { aegislogTrace, REDACTED } from '../../src/trace/index.js';
import { compileRedaction, describe as describeValue } from '../../src/trace/describe.js';
import { recordingLog } from './recording-log.js';

const model_context = { model_id: 'clf', model_version: '2.3.1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('aegislogTrace: sync functions', () => {
  it('stays sync, returns the value and records input, output and latency', () => {
    const log = recordingLog();
    const add = aegislogTrace(function add(a: number, b: number) { return a + b; }, {
      log,
      model_context,
      policy_context: { policy_name: 'p', policy_version: '1' },
    });
    const out = add(2, 3);
    expect(out).toBe(5); // a number, not a Promise
    expectTypeOf(add).toEqualTypeOf<(a: number, b: number) => number>();
    expect(add.name).toBe('add');
    expect(log.calls).toHaveLength(1);
    const call = log.calls[0]!;
    expect(call.eventType).toBe('add');
    expect(call.payload).toEqual({ function: 'add', outcome: 'ok', input: [2, 3], output: 5 });
    expect(call.options.model_context).toEqual(model_context);
    expect(call.options.policy_context).toEqual({ policy_name: 'p', policy_version: '1' });
    const metrics = call.options.performance_metrics as { latency_ms: number };
    expect(metrics.latency_ms).toBeGreaterThanOrEqual(0);
    expect(metrics.latency_ms).toBeLessThan(1000);
  });

  it('re-throws the same error after recording it, without the stack', () => {
    const log = recordingLog();
    const err = Object.assign(new RangeError('too big'), { code: 'E_BIG' });
    const f = aegislogTrace((x: number) => { if (x > 1) throw err; return x; }, { log, eventType: 'check' });
    let caught: unknown;
    try { f(2); } catch (e) { caught = e; }
    expect(caught).toBe(err);
    const call = log.calls[0]!;
    expect(call.eventType).toBe('check');
    expect(call.payload.outcome).toBe('error');
    expect(call.payload.error).toEqual({ name: 'RangeError', message: 'too big', code: 'E_BIG' });
    expect(call.payload.output).toBeUndefined();
    expect(call.wire).not.toContain('at ');
  });

  it('records values that are not errors when they are thrown (a string, undefined)', () => {
    const log = recordingLog();
    const f = aegislogTrace((what: unknown) => { throw what; }, { log, eventType: 'thrower' });
    expect(() => f('plain text')).toThrow('plain text');
    let caught: unknown = 'nothing';
    try { f(undefined); } catch (e) { caught = e; }
    expect(caught).toBeUndefined();
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'anonymous', outcome: 'error', input: ['plain text'], error: 'plain text' },
      { function: 'anonymous', outcome: 'error', input: [null] },
    ]);
  });

  it('passes `this` through, for object methods and class prototypes', () => {
    const log = recordingLog();
    const counter = { n: 10, bump: aegislogTrace(function (this: { n: number }, by: number) { return (this.n += by); }, { log, eventType: 'bump' }) };
    expect(counter.bump(5)).toBe(15);
    expect(counter.n).toBe(15);
    class Scaler { constructor(public k: number) {} scale(x: number) { return x * this.k; } }
    Scaler.prototype.scale = aegislogTrace(Scaler.prototype.scale, { log });
    expect(new Scaler(3).scale(4)).toBe(12);
    expect(log.calls[1]!.eventType).toBe('scale');
  });

  it('records the input as it was when the call began, though the function changed it', () => {
    const log = recordingLog();
    const push = aegislogTrace((list: number[]) => list.push(99), { log, eventType: 'push' });
    const list = [1];
    expect(push(list)).toBe(2);
    expect(log.calls[0]!.payload.input).toEqual([[1]]);
  });

  it('takes the log from `this` when given a function (a log made after the wrapper)', () => {
    const log = recordingLog();
    const svc = { log, run: aegislogTrace(function run() { return 1; }, { log: (self: { log: typeof log }) => self.log }) };
    expect(svc.run()).toBe(1);
    expect(log.calls).toHaveLength(1);
  });

  it('does not call `then` on a thenable that is not a native promise', () => {
    const log = recordingLog();
    let thenCalls = 0;
    const builder = { then() { thenCalls++; }, where: () => builder };
    const f = aegislogTrace(() => builder, { log, eventType: 'query' });
    expect(f()).toBe(builder);
    expect(thenCalls).toBe(0);
    expect(log.calls[0]!.payload.output).toEqual({ then: '[Function then]', where: '[Function where]' });
  });

  it('a result that throws when inspected (a strict Proxy, a revoked one) is returned as it is: the call never fails for it', () => {
    const log = recordingLog();
    const strict = new Proxy({ port: 8080 }, { get: (target, key) => { if (!(key in target)) throw new Error(`unknown config key ${String(key)}`); return (target as Record<PropertyKey, unknown>)[key]; } });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const value of [strict, revoked]) {
      const errors: unknown[] = [];
      const f = aegislogTrace(() => value, { log, eventType: 'config', onError: (e) => errors.push(e) });
      expect(f()).toBe(value);
      // Recorded as far as it could be described, or told to onError: never thrown into the call.
      expect(log.calls.length + errors.length).toBeGreaterThan(0);
    }
  });

  it('keeps the function\'s arity and prototype, and constructs with `new` as the function would', () => {
    const log = recordingLog();
    // Express tells an error handler by its four parameters.
    const handler = aegislogTrace(function onError(_err: unknown, _req: unknown, _res: unknown, _next: unknown) { return 1; }, { log });
    expect(handler.length).toBe(4);
    class Account { constructor(public owner: string) {} }
    const TracedAccount = aegislogTrace(Account as unknown as (owner: string) => Account, { log, eventType: 'open_account' }) as unknown as typeof Account;
    const account = new TracedAccount('ada');
    expect(account).toBeInstanceOf(Account);
    expect(account.owner).toBe('ada');
    function Legacy(this: { n: number }, n: number) { this.n = n; }
    const TracedLegacy = aegislogTrace(Legacy, { log }) as unknown as new (n: number) => { n: number };
    const legacy = new TracedLegacy(7);
    expect([legacy instanceof Legacy, legacy instanceof TracedLegacy, legacy.n]).toEqual([true, true, 7]);
    expect(log.calls.map((c) => [c.eventType, c.payload.outcome])).toEqual([['open_account', 'ok'], ['Legacy', 'ok']]);
  });
  it("keeps the function's own members: a class's static methods, a function's attached properties", () => {
    const log = recordingLog();
    // The wrapper's type is the function's own (F): what F promises (statics, attached properties) must be there.
    class Ticket {
      static made = 0;
      static open(subject: string) { this.made += 1; return new this(subject); }
      constructor(public subject: string) {}
    }
    const Traced = aegislogTrace(Ticket as unknown as (subject: string) => Ticket, { log, eventType: 'new_ticket' }) as unknown as typeof Ticket;
    const ticket = Traced.open('parcel');
    expect(ticket).toBeInstanceOf(Ticket);
    expect([ticket.subject, Traced.made, Ticket.made]).toEqual(['parcel', 1, 1]);
    // util.promisify reads the function's own promisify.custom: a traced function must still have it.
    const custom = Symbol.for('nodejs.util.promisify.custom');
    const promised = async () => 'custom';
    function legacy(cb: (err: unknown, v?: string) => void) { cb(null, 'callback'); }
    Object.assign(legacy, { [custom]: promised, version: 2 });
    const tracedLegacy = aegislogTrace(legacy, { log, eventType: 'legacy' }) as typeof legacy & Record<PropertyKey, unknown>;
    expect([tracedLegacy[custom], tracedLegacy.version]).toEqual([promised, 2]);
    // `new this()` in the static method is a traced construction too.
    expect(log.calls.map((c) => c.eventType)).toEqual(['new_ticket']);
  });
});

describe('aegislogTrace: async functions', () => {
  it('returns a promise of the same value and records after it settles, with the awaited latency', async () => {
    const log = recordingLog();
    const answer = aegislogTrace(async (q: string) => { await sleep(25); return { text: `re: ${q}` }; }, { log, eventType: 'chat', model_context });
    const pending = answer('hi');
    expect(pending).toBeInstanceOf(Promise);
    expectTypeOf(answer).returns.toEqualTypeOf<Promise<{ text: string }>>();
    expect(log.calls).toHaveLength(0);
    expect(await pending).toEqual({ text: 're: hi' });
    const call = log.calls[0]!;
    expect(call.payload).toEqual({ function: 'anonymous', outcome: 'ok', input: ['hi'], output: { text: 're: hi' } });
    expect((call.options.performance_metrics as { latency_ms: number }).latency_ms).toBeGreaterThanOrEqual(20);
  });

  it('rejects with the same error after recording it', async () => {
    const log = recordingLog();
    const err = new TypeError('upstream down');
    const f = aegislogTrace(async () => { await sleep(1); throw err; }, { log, eventType: 'call' });
    await expect(f()).rejects.toBe(err);
    expect(log.calls[0]!.payload).toMatchObject({ outcome: 'error', error: { name: 'TypeError', message: 'upstream down' } });
  });

  it('returns a Promise subclass itself (its own methods kept), recording when it settles', async () => {
    // As OpenAI's APIPromise: a subclass whose callers use its methods (`.withResponse()`).
    class Query<T> extends Promise<T> {
      withResponse() {
        return this.then((data) => ({ data, status: 200 }));
      }
    }
    const log = recordingLog();
    const err = new TypeError('upstream down');
    const made: Query<string>[] = [];
    const ask = aegislogTrace((q: string) => {
      const query = q === 'fail' ? (Query.reject(err) as Query<string>) : (Query.resolve(`re: ${q}`) as Query<string>);
      made.push(query);
      return query;
    }, { log, eventType: 'query' });
    const pending = ask('hi');
    expect(pending).toBe(made[0]);
    expect(await pending.withResponse()).toEqual({ data: 're: hi', status: 200 });
    const failing = ask('fail');
    expect(failing).toBe(made[1]);
    await expect(failing).rejects.toBe(err);
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'anonymous', outcome: 'ok', input: ['hi'], output: 're: hi' },
      { function: 'anonymous', outcome: 'error', input: ['fail'], error: { name: 'TypeError', message: 'upstream down' } },
    ]);
  });

  it('computes per-call fields from the finished call (token counts from the answer); latency_ms wins', async () => {
    const log = recordingLog();
    const f = aegislogTrace(async (_req: { id: string }) => ({ text: 'ok', usage: { prompt_tokens: 12, completion_tokens: 3 } }), {
      log,
      eventType: 'llm',
      trace_id: (call) => `req-${(call.args[0] as { id: string }).id}`,
      performance_metrics: (call) => {
        const usage = (call.result as { usage: { prompt_tokens: number; completion_tokens: number } } | undefined)?.usage;
        return usage && { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens, latency_ms: -1 };
      },
    });
    await f({ id: '42' });
    const { options } = log.calls[0]!;
    expect(options.trace_id).toBe('req-42');
    expect(options.performance_metrics).toMatchObject({ input_tokens: 12, output_tokens: 3 });
    expect((options.performance_metrics as { latency_ms: number }).latency_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('aegislogTrace: what leaves the process', () => {
  it('redacts key names at any depth, dotted paths with wildcards, and RegExps, before record() sees them', () => {
    const log = recordingLog();
    const f = aegislogTrace((req: unknown, _opts: unknown) => ({ token: 'tok-SECRET-3', user: { email: 'a@b.c', name: 'Ann' } }), {
      log,
      eventType: 'login',
      redact: ['password', 'input.1.*', /^e-?mail$/i, 'output.token'],
    });
    f({ user: 'ann', password: 'SECRET-1', nested: [{ password: 'SECRET-1b' }], headers: new Map([['password', 'SECRET-1c']]) }, { apiKey: 'SECRET-2', region: 'eu' });
    const { payload, wire } = log.calls[0]!;
    expect(wire).not.toMatch(/SECRET|a@b\.c/);
    expect(payload.input).toEqual([
      { user: 'ann', password: REDACTED, nested: [{ password: REDACTED }], headers: { password: REDACTED } },
      { apiKey: REDACTED, region: REDACTED },
    ]);
    expect(payload.output).toEqual({ token: REDACTED, user: { email: REDACTED, name: 'Ann' } });
  });

  it('captures nothing of what is turned off, and what the capture functions return otherwise', async () => {
    const log = recordingLog();
    const f = aegislogTrace(async (prompt: string, _key: string) => `answer to ${prompt}`, { log, eventType: 'a', capture: { input: false, output: false } });
    await f('secret prompt', 'k');
    expect(log.calls[0]!.payload).toEqual({ function: 'anonymous', outcome: 'ok' });

    const onError = vi.fn();
    const h = aegislogTrace((n: number) => n + 1, { log, eventType: 'c', capture: { input: () => { throw new Error('bad input capture'); } }, onError });
    expect(h(1)).toBe(2);
    expect((onError.mock.calls[0]![0] as Error).message).toBe('bad input capture');

    const g = aegislogTrace((prompt: string, _key: string) => { throw new Error(`failed on ${prompt}`); }, {
      log,
      eventType: 'b',
      capture: { input: (args) => ({ prompt_chars: (args[0] as string).length }), error: false },
    });
    expect(() => g('secret prompt', 'k')).toThrow('failed on secret prompt');
    expect(log.calls[1]!.payload).toEqual({ function: 'anonymous', outcome: 'error', input: { prompt_chars: 13 } });
    expect(log.calls[1]!.wire).not.toContain('secret');
  });

  it('describes what JSON cannot carry, so that the call and the record both succeed', () => {
    const log = recordingLog();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    class Conn { socket = 7; }
    class Opaque { #hidden = 1; get hidden() { return this.#hidden; } }
    const hostile = new Proxy({}, { ownKeys() { throw new Error('no keys'); } });
    const getterThrows = { get boom(): never { throw new Error('getter'); } };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const weird = JSON.parse('{"__proto__": {"polluted": true}}');
    const f = aegislogTrace((...args: unknown[]) => args.length, { log, eventType: 'weird' });
    const args = [10n ** 30n, () => 1, Symbol('s'), NaN, -Infinity, 2 ** 60, cyclic, new Conn(), new Opaque(), hostile, getterThrows,
      new Date(0), new Set([1]), new Uint8Array(4), 'lone \uD800 surrogate', deep, weird, undefined, Promise.resolve(1)];
    expect(f(...args)).toBe(args.length);
    const input = log.calls[0]!.payload.input as unknown[];
    expect(input.slice(0, 6)).toEqual(['1000000000000000000000000000000n', '[Function anonymous]', 'Symbol(s)', 'NaN', '-Infinity', '1152921504606847000']);
    expect(input[6]).toEqual({ name: 'loop', self: '[Circular]' });
    expect(input.slice(7, 15)).toEqual([{ socket: 7 }, '[Opaque]', '[Unreadable Object]', '[Unreadable Object]', '1970-01-01T00:00:00.000Z', [1], '[Uint8Array 4 bytes]', 'lone \uFFFD surrogate']);
    expect(JSON.stringify(input[15])).toContain('[Object]');
    expect(Object.getPrototypeOf(input[16])).toBe(Object.prototype);
    expect(Object.keys(input[16] as object)).toEqual(['__proto__']);
    expect(input.slice(17)).toEqual([null, '[Promise]']);
  });

  it("a symbol's description and a function's name are text like any string: cut, counted, made well-formed", () => {
    const log = recordingLog();
    const errors: unknown[] = [];
    const f = aegislogTrace((..._args: unknown[]) => 0, { log, eventType: 'sym', limits: { stringLength: 8 }, onError: (e) => errors.push(e) });
    const named = Object.defineProperty(() => 0, 'name', { value: 'n'.repeat(20) });
    // A lone surrogate made the event one that RFC 8785 cannot carry: record() refused it and the call went unrecorded.
    f(Symbol('half \uD800'), Symbol('s'.repeat(20)), named);
    expect(errors).toEqual([]);
    expect(log.calls.map((c) => c.payload.input)).toEqual([['Symbol(half \uFFFD)', 'Symbol(ssssssss…[12 more chars])', '[Function nnnnnnnn…[12 more chars]]']]);
  });

  it('keeps a Map key named __proto__ as data, like an object key', () => {
    const log = recordingLog();
    const f = aegislogTrace((_m: unknown) => 0, { log, eventType: 'map' });
    f(new Map<string, unknown>([['__proto__', { polluted: true }], ['a', 1]]));
    const [described] = log.calls[0]!.payload.input as [Record<string, unknown>];
    expect(Object.getPrototypeOf(described)).toBe(Object.prototype);
    expect(Object.keys(described)).toEqual(['__proto__', 'a']);
    expect(log.calls[0]!.wire).toContain('"__proto__":{"polluted":true}');
  });

  it('a Map whose keys are not all strings is its [key, value] pairs: no entry lost to a key that read "[Object]"', () => {
    const log = recordingLog();
    const f = aegislogTrace((_m: unknown) => 0, { log, eventType: 'map', redact: ['password'] });
    const [alice, bob] = [{ id: 'alice' }, { id: 'bob' }];
    f(new Map<unknown, string>([[alice, 'approve'], [bob, 'deny']]));
    f(new Map<unknown, string>([[1, 'one'], ['1', 'uno'], ['password', 'SECRET']]));
    f(new Map<string, string>([['user', 'ann'], ['password', 'SECRET']]));
    const inputs = log.calls.map((c) => (c.payload.input as unknown[])[0]);
    expect(inputs).toEqual([
      [[{ id: 'alice' }, 'approve'], [{ id: 'bob' }, 'deny']],
      [[1, 'one'], ['1', 'uno'], ['password', REDACTED]],
      { user: 'ann', password: REDACTED },
    ]);
    expect(log.calls.map((c) => c.wire).join('')).not.toContain('SECRET');
  });

  it('cuts long strings and long arrays within the stated limits, keeping the event valid', () => {
    const log = recordingLog();
    const f = aegislogTrace((doc: string, rows: number[]) => rows.length + doc.length, { log, eventType: 'big', limits: { stringLength: 10, items: 3 } });
    f('x'.repeat(2_000_000), [1, 2, 3, 4, 5]);
    expect(log.calls[0]!.payload.input).toEqual(['xxxxxxxxxx…[1999990 more chars]', [1, 2, 3, '[… 2 more items]']]);
  });

  it('a call whose fields together pass what an event can carry is recorded, its largest field cut to "[Truncated]"', () => {
    const log = recordingLog();
    const onError = vi.fn();
    // Each field within its own 1 MiB of text, but the event over 1 MiB, which record() refused: the call went
    // unrecorded. A field at its bound with the JSON around its text; input and output together; three-byte text.
    const count = aegislogTrace((parts: string[]) => parts.length, { log, eventType: 'count', onError });
    expect(count(Array.from({ length: 16 }, () => 'x'.repeat(65_536)))).toBe(16);
    const upper = aegislogTrace((parts: string[]) => parts.map((p) => `${p.toUpperCase()}!`), { log, eventType: 'upper', onError });
    upper(Array.from({ length: 12 }, () => 'x'.repeat(60_000)));
    const kanji = aegislogTrace((parts: string[]) => parts.length, { log, eventType: 'kanji', onError });
    kanji(Array.from({ length: 8 }, () => '漢'.repeat(60_000)));
    expect(onError).not.toHaveBeenCalled();
    expect(log.calls.map((c) => [c.eventType, c.payload.outcome])).toEqual([
      ['count', 'ok'],
      ['upper', 'ok'],
      ['kanji', 'ok'],
    ]);
    for (const call of log.calls) expect(new TextEncoder().encode(call.wire).length).toBeLessThanOrEqual(1024 * 1024);
    // The largest field gives way, the others stay.
    expect(log.calls[0]!.payload).toMatchObject({ input: '[Truncated]', output: 16 });
    expect((log.calls[1]!.payload.input as string[][])[0]!.map((p) => p.length)).toEqual(Array(12).fill(60_000));
    expect(log.calls[1]!.payload.output).toBe('[Truncated]');
  });

  it('a call whose fields together hold more JSON values than an event may (keys count) is recorded, its largest field cut', () => {
    const log = recordingLog();
    const errors: unknown[] = [];
    // A value of a few KB in the app (one object of 1,000 keys per level, each key naming the level below): each field
    // within its 20,000 values, but with its keys and the "[Truncated]" of each key left, input and output together
    // passed the 99,000 JSON values record() takes, and the call went unrecorded.
    let tree: unknown = 0;
    for (let level = 0; level < 7; level++) tree = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, tree]));
    const echo = aegislogTrace((x: unknown) => x, { log, eventType: 'echo', onError: (e) => errors.push(e) });
    expect(echo(tree)).toBe(tree);
    expect(errors).toEqual([]);
    expect(log.calls.map((c) => [c.eventType, c.payload.outcome])).toEqual([['echo', 'ok']]);
    // One field gives way, the other stays.
    const { input, output } = log.calls[0]!.payload;
    expect([input, output].filter((v) => v === '[Truncated]')).toHaveLength(1);
  });

  it('every value counts toward the 20,000 a field may hold, and its strings toward what an event can carry', () => {
    const log = recordingLog();
    const errors: unknown[] = [];
    const f = aegislogTrace((_x: unknown) => 0, { log, eventType: 'bulk', onError: (e) => errors.push(e) });
    // A thousand arrays of a thousand strings: it was kept whole, a million values.
    f(Array.from({ length: 1000 }, () => Array.from({ length: 1000 }, () => 'v')));
    const wire = log.calls[0]!.wire;
    expect((wire.match(/"v"/g) ?? []).length).toBeLessThanOrEqual(20_000);
    expect(wire).toContain('[Truncated]');
    expect(errors).toEqual([]);
    // One 60,000-character string shared by 2,500 cells (0.06 MB in the app): it was described as 150 MB of JSON,
    // which record() then refused. Now about an event's worth of text at most.
    const shared = 'x'.repeat(60_000);
    const described = JSON.stringify(describeValue(Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => shared)), ['input'], compileRedaction(undefined)));
    expect(described.length).toBeLessThan(1.1 * 1024 * 1024);
    expect(described).toContain('[Truncated]');
  });

  it('redact is checked as the wrapper is made: a lone string (its letters taken as rules) let the secret out', () => {
    const log = recordingLog();
    // A JavaScript caller's `redact: 'password'`: each letter was a key name to redact, and the password was recorded.
    const login = (form: { user: string; password: string }) => form.user;
    for (const [redact, field] of [
      ['password', 'redact'],
      [/password/, 'redact'],
      [['ssn', 7], 'redact[1]'],
      [[null], 'redact[0]'],
    ] as const) {
      let thrown: unknown;
      try {
        aegislogTrace(login, { log, redact: redact as never })({ user: 'ann', password: 'hunter2' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'ERR_CONFIG', field });
    }
    expect(JSON.stringify(log.calls)).not.toContain('hunter2');
  });

  it('capture is checked as the wrapper is made: `capture: false` (a JavaScript caller\'s "nothing") recorded everything', () => {
    const log = recordingLog();
    const login = (form: { user: string; password: string }) => form.user;
    // Read as "no choice made", each part took its default, true: the arguments and the result were recorded.
    for (const [capture, field] of [
      [false, 'capture'],
      ['none', 'capture'],
      [{ input: 'false' }, 'capture.input'],
      [{ output: null }, 'capture.output'],
      [{ error: 0 }, 'capture.error'],
    ] as const) {
      expect(() => aegislogTrace(login, { log, capture: capture as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
    }
    expect(log.calls).toEqual([]);
    // What is allowed still works: booleans, functions, parts left out.
    const quiet = aegislogTrace(login, { log, capture: { input: false, output: (u) => String(u).length, error: undefined } });
    expect(quiet({ user: 'ann', password: 'hunter2' })).toBe('ann');
    expect(log.calls.map((c) => c.payload)).toEqual([{ function: 'login', outcome: 'ok', output: 3 }]);
  });

  it('an eventType the log would refuse is ERR_CONFIG as the wrapper is made, not a call left unrecorded every time', () => {
    const log = recordingLog();
    for (const eventType of ['', 'x'.repeat(129), 42, 'half \uD800 pair']) {
      expect(() => aegislogTrace(() => 0, { log, eventType: eventType as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'eventType' }));
    }
    // At the bound, and counted in characters (code points), as record() counts them.
    const f = aegislogTrace(() => 0, { log, eventType: '😀'.repeat(128) });
    f();
    expect(log.calls).toHaveLength(1);
  });

  it('an onError that is no function is ERR_CONFIG as the wrapper is made: every failure to record went unsaid', () => {
    const log = recordingLog();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const onError of [true, 'console', {}]) {
        expect(() => aegislogTrace(() => 0, { log, onError: onError as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'onError' }));
      }
      // Left out, the console is told.
      const f = aegislogTrace(() => 0, { log, eventType: 'e', model_context: {} as never }); // model_id missing: record() refuses
      expect(f()).toBe(0);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('the function, the options and the log are checked as the wrapper is made: ERR_CONFIG naming them, not a TypeError', () => {
    const log = recordingLog();
    // A method read before it exists (`aegislogTrace(client.clasify, …)`), options forgotten, a log not yet made.
    for (const [make, field] of [
      [() => aegislogTrace(undefined as never, { log }), 'fn'],
      [() => aegislogTrace('classify' as never, { log }), 'fn'],
      [() => aegislogTrace(() => 0, undefined as never), 'options'],
      [() => aegislogTrace(() => 0, { log: undefined as never }), 'log'],
      [() => aegislogTrace(() => 0, { log: { send: () => 'id' } as never }), 'log'],
    ] as const) {
      expect(make).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
    }
    // A log given as a function of `this` is read at call time, as before.
    const f = aegislogTrace(function (this: { log: typeof log }) { return 1; }, { log: (self: { log: typeof log }) => self.log, eventType: 'late' });
    expect(f.call({ log })).toBe(1);
    expect(log.calls.map((c) => c.eventType)).toEqual(['late']);
  });

  it('limits are checked as the wrapper is made; an undefined one keeps its default (a spread made it no bound)', () => {
    const log = recordingLog();
    for (const [limits, field] of [
      [{ depth: Number.NaN }, 'limits.depth'],
      [{ items: -1 }, 'limits.items'],
      [{ stringLength: '10' }, 'limits.stringLength'],
      [{ nodes: 1.5 }, 'limits.nodes'],
      [{ depht: 3 }, 'limits.depht'],
      [7, 'limits'],
    ] as const) {
      expect(() => aegislogTrace(() => 0, { log, limits: limits as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
    }
    const f = aegislogTrace((s: string) => s.length, { log, eventType: 'kept', limits: { stringLength: undefined, items: 2 } });
    f('y'.repeat(100));
    expect(log.calls[0]!.payload.input).toEqual(['y'.repeat(100)]);
  });

  it('reads no more of a wide object than the limit keeps: a getter past it never runs', () => {
    const log = recordingLog();
    let read = 0;
    const wide: Record<string, number> = {};
    for (let i = 0; i < 10; i++) Object.defineProperty(wide, `k${i}`, { enumerable: true, get: () => (read++, i) });
    const f = aegislogTrace((_o: unknown) => 0, { log, eventType: 'wide', limits: { items: 3 } });
    f(wide);
    expect(log.calls[0]!.payload.input).toEqual([{ k0: 0, k1: 1, k2: 2, '[truncated]': '7 more keys' }]);
    expect(read).toBe(3);
  });

  it("an AggregateError's errors are recorded, as its cause is (own fields JavaScript makes non-enumerable)", async () => {
    const log = recordingLog();
    // Promise.any's rejection: which attempts failed, and why, is all it says.
    const first = aegislogTrace(async (urls: string[]) => Promise.any(urls.map(async (u) => { throw new TypeError(`${u} unreachable`); })), { log, eventType: 'first' });
    await expect(first(['a', 'b'])).rejects.toBeInstanceOf(AggregateError);
    expect(log.calls[0]!.payload.error).toEqual({
      name: 'AggregateError',
      message: 'All promises were rejected',
      errors: [{ name: 'TypeError', message: 'a unreachable' }, { name: 'TypeError', message: 'b unreachable' }],
    });
  });

  it("an error's cause chain stays within the depth bound: 10,000 causes, a cycle through cause", () => {
    const log = recordingLog();
    const errors: unknown[] = [];
    const f = aegislogTrace((e: unknown) => { throw e; }, { log, eventType: 'caused', onError: (e) => errors.push(e) });
    // `new Error(message, { cause })` (cause own, not enumerable), and a cause set afterwards (enumerable).
    let given = new Error('root');
    for (let i = 0; i < 10_000; i++) given = new Error(`wrap ${i}`, { cause: given });
    let assigned: Error = new TypeError('root');
    for (let i = 0; i < 10_000; i++) assigned = Object.assign(new TypeError(`wrap ${i}`), { cause: assigned });
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    for (const e of [given, assigned, a]) expect(() => f(e)).toThrow(e);
    expect(errors).toEqual([]);
    const [first, second, cycle] = log.calls.map((c) => c.payload.error);
    const chain = (described: unknown): unknown[] => {
      const out: unknown[] = [];
      for (let at = described; at !== undefined; at = typeof at === 'object' ? (at as { cause?: unknown }).cause : undefined) out.push(typeof at === 'object' ? (at as { message: string }).message : at);
      return out;
    };
    // Depth 8, as for any object: the errors at depths 0 to 7 are described, the one at depth 8 is named.
    const eight = [9999, 9998, 9997, 9996, 9995, 9994, 9993, 9992].map((i) => `wrap ${i}`);
    expect(chain(first)).toEqual([...eight, '[Error]']);
    expect(chain(second)).toEqual([...eight, '[TypeError]']);
    expect(cycle).toEqual({ name: 'Error', message: 'a', cause: { name: 'Error', message: 'b', cause: '[Circular]' } });
  });

  it("a Map cut both by the item limit and by the field's text says how many keys it left out in all", () => {
    // 1,500 entries of about 1,100 characters: the first 1,000 are read (the item limit), and the text bound stops
    // the field before their end. The count of the rest was the item limit's alone (500), not the keys really left out.
    const big = new Map(Array.from({ length: 1500 }, (_, i) => [`${String(i).padStart(4, '0')}${'k'.repeat(996)}`, 'v'.repeat(100)]));
    const described = describeValue(big, ['input'], compileRedaction(undefined)) as Record<string, unknown>;
    const kept = Object.keys(described).filter((k) => k !== '[truncated]').length;
    expect(kept).toBeLessThan(1000);
    expect(described['[truncated]']).toBe(`${1500 - kept} more keys`);
  });

  it('cuts a key longer than the text limit as a string is cut, keeps two keys that read the same apart, redacts by the whole key', () => {
    const log = recordingLog();
    const f = aegislogTrace((_o: unknown) => 0, { log, eventType: 'keys', limits: { stringLength: 10 }, redact: ['customer_password'] });
    f({ ['k'.repeat(100)]: 1, customer_address_1: 'x', customer_address_2: 'y', customer_password: 'SECRET' });
    expect(log.calls[0]!.payload.input).toEqual([{
      'kkkkkkkkkk…[90 more chars]': 1,
      'customer_a…[8 more chars]': 'x',
      'customer_a…[8 more chars] (2)': 'y',
      'customer_p…[7 more chars]': REDACTED,
    }]);
    // Keys weigh toward the 1 MiB of text a field may hold: a thousand keys of 65,536 characters were 65 MB.
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) wide[`${i}`.padEnd(100_000, '.')] = i;
    const described = describeValue(wide, ['input'], compileRedaction(undefined)) as Record<string, unknown>;
    expect(JSON.stringify(described).length).toBeLessThan(1.1 * 1024 * 1024);
    expect(Object.keys(described)[0]).toBe(`0${'.'.repeat(65_535)}…[34464 more chars]`);
    expect(described['[truncated]']).toBe('984 more keys');
  });

  it('keeps an own field of an error named __proto__ as data', () => {
    const log = recordingLog();
    const err = Object.defineProperty(new Error('odd'), '__proto__', { value: { x: 1 }, enumerable: true });
    const f = aegislogTrace(() => { throw err; }, { log, eventType: 'odd' });
    expect(() => f()).toThrow('odd');
    expect(Object.keys(log.calls[0]!.payload.error as object)).toEqual(['name', 'message', '__proto__']);
  });
});

describe('aegislogTrace: recording never breaks the call', () => {
  it('reports a validation failure of record() through onError and still returns the result', () => {
    const log = recordingLog();
    const onError = vi.fn();
    const f = aegislogTrace(() => 'fine', { log, eventType: 'x', model_context: { model_id: 'only-id' } as never, onError });
    expect(f()).toBe('fine');
    expect(log.calls).toHaveLength(0);
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, info] = onError.mock.calls[0]!;
    expect(error).toBeInstanceOf(AegisLogValidationError);
    expect((error as AegisLogValidationError).field).toBe('model_context.model_version');
    expect(info).toEqual({ eventType: 'x' });
  });

  it('warns on the console by default, and survives a throwing capture function, log and onError', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const broken = { record: () => { throw new Error('queue closed'); } };
      const f = aegislogTrace(async () => 7, { log: broken, eventType: 'w' });
      expect(await f()).toBe(7);
      expect(warn).toHaveBeenCalledWith('aegislog trace: a call of "w" was not recorded: queue closed');

      const g = aegislogTrace(() => 8, {
        log: recordingLog(),
        eventType: 'v',
        capture: { output: () => { throw new Error('bad capture'); } },
        onError: () => { throw new Error('bad reporter'); },
      });
      expect(g()).toBe(8);
    } finally {
      warn.mockRestore();
    }
  });
});
