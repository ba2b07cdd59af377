/**
 * What every integration shares: one finished model call (an `AiCall`) in,
 * one event out through the log's own `record()` (or `recordSync()`), so that
 * queueing, durability and delivery stay the client's. Nothing here throws
 * into the caller: a failure goes to `onError` and the model call goes on.
 */
import type { RecordOptions } from '../client/event.js';
import { AegisLogError } from '../protocol/errors.js';
import { CONTEXT_NAMES, EVENT_TYPE_CHARS } from '../schema/rules.js';
import type { DigestKey } from './digest.js';
import type { AiCall, AiEvent, AiLog, AiOptions, PerCall } from './options.js';

/**
 * Digests, full capture and recordSync live in a chunk of their own, loaded the
 * first time an event needs them (after its model call, since WebCrypto and
 * recordSync are asynchronous anyway): an app bundle carries only the
 * integration it imports and this file.
 */
let loaded: Promise<typeof import('./digest.js')> | undefined;
// The promise kept: a second import() of a loaded module still goes through the module loader (tens of µs in Node).
const lazy = () => (loaded ??= import('./digest.js'));

/**
 * `hmac-sha256:<64 hex>` of `value` under `key`: a string's UTF-8 bytes, or the
 * canonical JSON (RFC 8785) of anything else, bytes in it as base64url. The
 * function behind `input_digest`, `output_digest` and `image_digest`: run it on
 * the text or messages you kept (the list of image files' bytes for
 * `image_digest`), with the same key, and compare.
 */
export async function aiDigest(value: unknown, key: DigestKey): Promise<string> {
  return (await lazy()).aiDigest(value, key);
}

/** What the event says when the provider names no model version and the options pin none. */
export const UNREPORTED = 'unreported';

/**
 * The record options an integration fills from the options (a value or a per-call function) unless the call carries
 * them; `model_context` and `performance_metrics` are then merged with what the call says. The client's own list of
 * contexts: a bundle with the client carries their names once.
 */
const CARRIED = ['trace_id', ...CONTEXT_NAMES] as const;

/**
 * What the integrations keep per object. For a log: the events being prepared on it (digests, `recordSync`), as one
 * promise that settles once they are all recorded, what `aiFlush` waits for (not the calls still in progress: a
 * stream is the app's to read, and one nobody reads would keep `aiFlush` waiting for ever). For an AI SDK call's
 * params: the log recording that call (ai-sdk.ts). One map for both (a log is never a call's params): fewer bytes.
 */
export const kept = new WeakMap<object, unknown>();

/**
 * Hands `waitUntil` (when given) a promise that settles once the call's event is recorded and the log flushed;
 * the returned function ends the call (the recorder calls it). Without waitUntil, none: nothing to end.
 */
export function track(options: AiOptions): Done {
  let end: Done;
  try {
    // No waitUntil: no promise made (the argument is not evaluated). Read through `options`, not destructured: fewer
    // bytes in the middleware's bundle.
    options.waitUntil?.(new Promise<void>((resolve) => (end = resolve)).then(() => options.log.flush?.()).catch(() => undefined));
  } catch {
    // A platform that refuses (no request in scope): aiFlush remains.
  }
  return end;
}

/**
 * Resolves once the events of the calls that have ended on `log` are recorded (their digests computed,
 * `recordSync` answered), then flushes the log. Calls still in progress (a model call awaiting its answer, a
 * stream not yet read to its end) are recorded when they end, and not waited for: a stream nobody reads would
 * keep it waiting for ever. Edge functions: `waitUntil(aiFlush(log))`, or the `waitUntil` option. Never rejects.
 */
export async function aiFlush(log: AiLog): Promise<void> {
  await kept.get(log);
  try {
    // Any flush(): one that returns a promise, a value or nothing, or throws.
    await log.flush?.();
  } catch {
    // Delivery failed: the log keeps the events queued for its next flush.
  }
}

/**
 * Characters of text in messages of any of the SDKs' shapes: a message's
 * `content` string, or the `text` of its parts (AI SDK prompts, OpenAI chat
 * messages and Responses input items, a Gemini Content's `parts`). `Array.isArray`, not `[x].flat()`: flat()
 * made a streamed wrapOpenAI call about 2 µs dearer. The AI SDK middleware,
 * held to its bytes in browsers, counts with its own `promptChars` (flat()).
 */
export function textChars(messages: unknown): number {
  let n = 0;
  for (const m of Array.isArray(messages) ? messages : [messages]) {
    // A message's content (a Gemini Content's parts), or the message itself (a string, a Responses input item, a Part).
    const content = (m as { content?: unknown } | null)?.content ?? (m as { parts?: unknown } | null)?.parts ?? m;
    for (const part of Array.isArray(content) ? content : [content]) {
      const text = (part as { text?: unknown } | null)?.text ?? part;
      if (typeof text === 'string') n += text.length;
    }
  }
  return n;
}

/**
 * A clock started now: each call gives the milliseconds since, to the microsecond. For the integrations that run
 * on servers (wrapOpenAI, the telemetry); the AI SDK middleware, held to its bytes in browsers, keeps its own.
 */
export function stopwatch(): () => number {
  const start = performance.now();
  // round(), not `+x.toFixed(3)`: the same figure, but toFixed made a streamed wrapOpenAI call about 2 µs dearer
  // (bench/ai-overhead-bench.mjs, 18.7 against 20.9 µs added).
  return () => round(performance.now() - start);
}

export const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** What ends a call for `waitUntil`, when it was given. */
export type Done = (() => void) | undefined;

export type Recorder = (call: () => AiCall, done: Done) => void;

/** `end` called the first time only: a call ends once, however many of its paths (answer, error, abort) reach it. */
export function once<A extends unknown[]>(end: (...args: A) => void): (...args: A) => void {
  let ended = false;
  return (...args) => {
    if (ended) return;
    ended = true;
    end(...args);
  };
}

/**
 * A failure reported to `onError`, or by `console.warn` with `warning` when none is given; never thrown: the model
 * call goes on whatever the reporter does.
 */
export function reporter(options: AiOptions, eventType: string, warning = 'aegislog ai: not recorded'): (error: unknown, call?: AiCall) => void {
  return (error, call) => {
    try {
      if (options.onError) options.onError(error, { eventType, call });
      else console.warn(warning, error);
    } catch {
      // The reporter failed too: the model call goes on.
    }
  };
}

/** One recorder per set of options: `record(summary, done)` builds the event (`summary` may throw), records it, then calls `done`. */
export function recorder(options: AiOptions): Recorder {
  const eventType = options.eventType ?? 'model_inference';
  const log = options.log;
  // reporter()'s work, written out: through it, the AI SDK middleware would cost 15 B more than its 2,000.
  const report = (error: unknown, call?: AiCall) => {
    try {
      if (options.onError) options.onError(error, { eventType, call });
      else console.warn('aegislog ai: not recorded', error);
    } catch {
      // The reporter failed too: nothing more can be done without breaking the caller.
    }
  };

  const emit = (call: AiCall, prepared?: Prepared): void | Promise<void> => {
    const payload = clean({
      integration: call.integration,
      operation: call.operation,
      streamed: call.streamed,
      provider: call.provider,
      response_model_id: call.responseModelId,
      response_id: call.responseId,
      outcome: call.outcome,
      finish_reason: call.finishReason,
      error: errorOf(call.error),
      tool_calls: call.toolCalls?.length ? call.toolCalls : undefined,
      time_to_first_token_ms: call.timeToFirstTokenMs,
      input_chars: call.inputChars,
      output_chars: call.output?.length,
      ...call.extra,
      ...prepared,
    });
    const carried = call.carried ?? {};
    const record: Record<string, unknown> = { ...carried };
    for (const name of CARRIED) record[name] = carried[name] ?? resolve(options[name], call);
    /**
     * A context of the options (or a per-call function's, called once: by the loop above unless the call carries
     * that context), under the one the call carries.
     */
    const merged = (name: 'model_context' | 'performance_metrics'): Record<string, any> => ({ ...((carried[name] == null ? record[name] : resolve(options[name], call)) as object), ...carried[name] });
    record.model_context = { model_id: call.modelId || UNREPORTED, model_version: call.responseModelId || UNREPORTED, model_type: 'llm', ...merged('model_context') };
    const given = merged('performance_metrics');
    const f = call.finishReason;
    /**
     * anomaly_flags: those given, then the call's outcome unless ok, and some finish reasons, each once. flat(): a
     * JavaScript caller's single string is one flag (a Set of the string itself would hold its letters), and any
     * other value stays an item, for the client to refuse by name. (Here, not a function of its own: fewer bytes.)
     */
    const flags = [
      ...new Set([given.anomaly_flags ?? [], call.outcome != 'ok' ? call.outcome : [], /^(length|error|interrupted|content-filter)$/.test(f!) ? f!.replace('-', '_') : []].flat()),
    ];
    // Fields left undefined are absent on the wire (the client leaves them out).
    record.performance_metrics = {
      ...given,
      latency_ms: call.latencyMs,
      input_tokens: call.inputTokens ?? given.input_tokens,
      output_tokens: call.outputTokens ?? given.output_tokens,
      anomaly_flags: flags.length ? flags : undefined,
    };
    let event: AiEvent = { eventType, payload, options: clean(record) as RecordOptions };
    const redacted = options.redact?.(event, call);
    if (redacted === null) return;
    event = redacted ?? event;
    // recordSync lives in the lazy chunk too: it is asynchronous anyway.
    if (options.sync) return lazy().then((m) => m.recordSync(event, options));
    const eventId = log.record(event.eventType, event.payload, event.options);
    options.onRecorded?.({ eventId, event });
  };

  /** The last event being prepared: events are recorded in the order their calls ended, whatever their digests take. */
  let previous: unknown; // Promise.all() takes it, a promise or not
  return (summary, done) => {
    let call: AiCall | undefined;
    let pending: Promise<void> | void = undefined;
    try {
      const c = (call = summary());
      // Prepared at once, beside the events before it (each waits a timer turn before its HMACs: one after another,
      // a process recorded at most about 800 events a second), and handed to the log after them. The next event
      // waits for this one to be handed to the log, not for a recordSync's receipt: its reaction to `previous` runs
      // after this one's (the emit), as reactions run in the order they were added. Promise.all watches the
      // preparation from now: one that failed (the digest chunk did not load) is never an unhandled rejection,
      // which ends a Node process. A call that carries an event_id goes this way too: the digest chunk numbers it
      // (`prepare`), as its request may make more calls (a tool loop's steps, retries, an agent's runs); and once one
      // event has gone this way, every later one follows it, so that events stay in the order their calls ended.
      pending =
        c.carried?.event_id || previous || options.digestKey || options.capture == 'full'
          ? (previous = Promise.all([previous, lazy().then((m) => m.prepare(c, options))])).then(([, p]) => emit(c, p as Prepared))
          : emit(c);
    } catch (error) {
      report(error, call);
    }
    // Never rejects. Object(): a log that is no object (the middleware's options are not checked up front) must not throw.
    if (pending) kept.set(Object(log), Promise.all([kept.get(log), pending.catch((error) => report(error, call)).then(done)]));
    else done?.();
  };
}

/**
 * The options, checked as a server-side integration is made (`aegislogTelemetry`, `wrapOpenAI`, the span
 * processor): a mistake is ERR_CONFIG naming the field, rather than a failure at every call, reported or
 * silent (a `capture` misspelt). The contexts' values are the client's to check, per call (`onError`). The
 * AI SDK middleware, which runs in browsers, leaves it out: it costs about 210 B gzip against the
 * middleware's 2,000 B budget; its mistakes are reported through `onError` at each call, never thrown into it.
 */
export function check(options: AiOptions): void {
  const o = Object(options) as AiOptions;
  const k = o.digestKey as { algorithm?: { name?: unknown; hash?: { name?: unknown } }; usages?: unknown; byteLength?: number } | string | undefined;
  const f = (v: unknown) => v !== undefined && typeof v != 'function';
  const s = (v: unknown) => v !== undefined && (!v || typeof v != 'string');
  const bad = {
    log: typeof o.log?.record != 'function',
    sync: o.sync && typeof o.log?.recordSync != 'function',
    // Over the 128 characters (code points) an event type may have, every event would be refused.
    eventType: s(o.eventType) || [...(o.eventType ?? '')].length > EVENT_TYPE_CHARS,
    digestKeyId: s(o.digestKeyId),
    capture: o.capture !== undefined && o.capture != 'digest' && o.capture != 'full',
    // An empty string (an environment variable set but empty) would turn every digest off without a word.
    // A CryptoKey: HMAC SHA-256, for signing (another signs too, HMAC-SHA-512, and its MAC would be recorded as
    // `hmac-sha256:`; one that may not sign fails every digest).
    digestKey:
      k !== undefined &&
      (typeof k == 'string'
        ? k == ''
        : k?.algorithm
          ? k.algorithm.name != 'HMAC' || k.algorithm.hash?.name != 'SHA-256' || !(Array.isArray(k.usages) && k.usages.includes('sign'))
          : !k?.byteLength),
    redact: f(o.redact),
    onError: f(o.onError),
    onRecorded: f(o.onRecorded),
    waitUntil: f(o.waitUntil),
  };
  for (const field in bad) if (bad[field as keyof typeof bad]) throw new AegisLogError('ERR_CONFIG', `${field} is not valid: see the options in docs/ai.md`, { field });
}

/**
 * The SDK client a wrapper is given (wrapOpenAI, wrapAnthropic…): an object (or a function), whatever its methods. One
 * that is none (undefined: a client made later, or not at all) is ERR_CONFIG naming it, as a bad option is, rather
 * than a TypeError read out of the wrapper's code.
 */
export function checkClient(client: unknown): void {
  if (client === null || (typeof client != 'object' && typeof client != 'function')) throw new AegisLogError('ERR_CONFIG', 'client is not valid: give the SDK client to wrap', { field: 'client' });
}

/** What the digest chunk adds to an event's payload: `input_digest`, `output_digest`, `image_digest`, `digest_key_id`; the content with `capture: 'full'`. */
export type Prepared = Record<string, unknown>;

/** A value of the options, or what its per-call function gives for this call. */
export function resolve<T>(value: PerCall<T> | undefined, call: AiCall): T | undefined {
  return typeof value === 'function' ? (value as (c: AiCall) => T | undefined)(call) : value;
}

/**
 * `{ name, message, status?, code? }`: never the stack, which leaks file paths; the message cut at 1,000 characters.
 * The HTTP status is OpenAI's `status` or the AI SDK's `statusCode` (APICallError). The code when it is text
 * (OpenAI's `rate_limit_exceeded`, Node's `ECONNRESET`).
 */
function errorOf(error: unknown): Record<string, unknown> | undefined {
  const e = Object(error) as Record<string, any>;
  return error === undefined
    ? error
    : clean({
        name: (e.name != 'Error' && e.name) || (typeof error === 'object' ? e.constructor?.name : typeof error),
        // Well-formed: a lone surrogate (a parse error quoting a cut answer, or this cut through a pair) is text the
        // client refuses (JCS), and the failed call went unrecorded; U+FFFD stands in for it, as digest.ts makes
        // content well-formed (every runtime this package supports has toWellFormed). A cut by code points as well
        // cost 9 B more than the middleware's 2,000 B allow (bench/ai-bundle-bench.mjs).
        message: (String(e.message ?? error).slice(0, 1000) as unknown as { toWellFormed(): string }).toWellFormed(),
        status: e.status ?? e.statusCode,
        // Text only: not OpenAI's `code: null`. A DOMException's number (AbortError 20) is its name's legacy code, so
        // nothing is lost; numbers in general cost 5 B (a check that can throw) to 9 B (Number.isFinite) more than the
        // middleware's 2,000 B allow.
        code: typeof e.code === 'string' ? e.code : undefined,
      });
}

/**
 * The record without its undefined fields: absent, never `null` or `undefined` (PROTOCOL.md §2). A copy,
 * not `delete`, which would leave V8 a slow dictionary object for the client to copy and serialise.
 */
export function clean<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const k in record) if (record[k] !== undefined) out[k] = record[k];
  return out as T;
}
