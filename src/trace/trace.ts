import type {
  DataProvenance,
  HumanIntervention,
  ModelContext,
  PerformanceMetrics,
  PolicyContext,
  SessionContext,
} from '../schema/zod.js';
import { AegisLogError } from '../protocol/errors.js';
import { EVENT_TYPE_CHARS, EVENT_VALUES } from '../schema/rules.js';
import { limitsOver, wholeFrom } from '../protocol/limits.js';
import { compileRedaction, DEFAULT_TRACE_LIMITS, describe, describer, REDACTED, wellFormed, type DescribeLimits, type RedactRule, type Redactor } from './describe.js';
import { generatorKind, watchGenerator, type IterationWatch } from './generator.js';

/**
 * What the wrapper needs of a log: the `record()` of `AegisLog`. A structural
 * type, so that any object with that method (a test double, a wrapper of your
 * own) will do, and so that this module does not load the client.
 */
export interface TraceLog {
  record(eventType: string, payload: Record<string, unknown>, options?: Record<string, unknown>): unknown;
}

/** One finished call, handed to the option functions that compute a field from it. */
export interface TraceCall {
  args: readonly unknown[];
  thisArg: unknown;
  /** Set when the call returned (or its promise fulfilled; for a generator, what its iteration returned). */
  result?: unknown;
  /** Set when the call threw (or its promise rejected); `failed` tells an `undefined` throw apart. */
  error?: unknown;
  failed: boolean;
  latencyMs: number;
}

/** A value, or a function computing it from the finished call (e.g. token counts from a model's answer). */
export type PerCall<T> = T | ((call: TraceCall) => T | undefined);

export interface TraceCapture {
  /** `true` (default): the arguments array; `false`: nothing; a function: what it returns, e.g. `(args) => ({ prompt: args[0] })`. */
  input?: boolean | ((args: readonly unknown[]) => unknown);
  /**
   * `true` (default): the return value (the fulfilled value of a promise; for a generator, its iteration:
   * `{ count, yielded, returned, closed }`); a function: what it returns (for a generator, of each yielded value
   * and of the returned one).
   */
  output?: boolean | ((result: unknown) => unknown);
  /** `true` (default): `{ name, message, ...own fields such as code, cause }`, never the stack; a function: what it returns. */
  error?: boolean | ((error: unknown) => unknown);
}

export interface TraceOptions {
  /** The log, or a function giving it at call time (for decorators declared before the log exists: `log: (self) => self.log`). */
  log: TraceLog | ((thisArg: any) => TraceLog);
  /** Event type; default: the function's name (or `"function_call"`). */
  eventType?: string;
  /** The payload's `function` field; default: the function's name (or `"anonymous"`). */
  name?: string;
  trace_id?: PerCall<string>;
  policy_context?: PerCall<PolicyContext>;
  data_provenance?: PerCall<DataProvenance>;
  human_intervention?: PerCall<HumanIntervention>;
  model_context?: PerCall<ModelContext>;
  session_context?: PerCall<SessionContext>;
  /** Merged with the measured `latency_ms`, which wins. */
  performance_metrics?: PerCall<PerformanceMetrics>;
  capture?: TraceCapture;
  /** Replaced by `"[REDACTED]"` before anything leaves the process. See `RedactRule`. */
  redact?: readonly RedactRule[];
  /** Bounds on what is described; defaults in `DEFAULT_TRACE_LIMITS`. */
  limits?: Partial<DescribeLimits>;
  /** Called when a call could not be recorded (a validation failure, a throwing option function). Default: `console.warn`. Never breaks the traced call. */
  onError?: (error: unknown, info: { eventType: string }) => void;
}

const WIRE_CONTEXTS = [
  'trace_id', 'policy_context', 'data_provenance', 'human_intervention', 'model_context', 'session_context',
] as const;

/**
 * Wraps `fn` so that every call is recorded: input, output or error, and
 * `performance_metrics.latency_ms`. A sync function stays sync; a function
 * returning a native Promise gets a Promise settling with the same value or
 * error, carrying the promise's own properties (a Promise subclass is returned itself). A generator (sync or async)
 * is returned itself and recorded when its iteration ends. `this`, arguments and errors pass through unchanged, and
 * nothing the recording does can make the call fail.
 */
export function aegislogTrace<F extends (this: any, ...args: any[]) => any>(fn: F, options: TraceOptions): F {
  check(fn, options);
  const recorder = makeRecorder(options, fn.name);
  const run = (thisArg: unknown, args: unknown[], newTarget?: Function): unknown => {
    // The input as it was when the call began: the function may change its arguments.
    const call = recorder.begin(thisArg, args);
    let result: unknown;
    try {
      // Called with `new` (a class, a constructor function): constructed as the function itself would be.
      result = newTarget ? Reflect.construct(fn, args, newTarget === traced ? fn : newTarget) : Reflect.apply(fn, thisArg, args);
    } catch (error) {
      recorder.end(call, true, error);
      throw error;
    }
    // Only native promises: calling `then` on other thenables (query builders) can have effects.
    if (isPromise(result)) {
      const ok = (value: unknown) => {
        recorder.end(call, false, value);
        return value;
      };
      // A subclass (OpenAI's APIPromise) is returned itself, so that its own methods (`.withResponse()`) stay. A
      // native promise of another realm (a vm context, an iframe) is none: its Promise.prototype is not this one.
      if (isSubclassed(result)) {
        result.then(ok, (error: unknown) => recorder.end(call, true, error));
        return result;
      }
      const settled = result.then(ok, (error: unknown) => {
        recorder.end(call, true, error);
        throw error;
      });
      carryOwn(result, settled);
      return settled;
    }
    // Calling a generator function runs none of its body: the call is its iteration, recorded when that ends.
    const kind = generatorKind(result);
    if (kind && watchGenerator(result as object, kind, recorder.iteration(call))) return result;
    recorder.end(call, false, result);
    return result;
  };
  // A Proxy rather than a function of its own: everything else is the function's, read and written through to it
  // (name, arity: Express tells an error handler by its 4 parameters; prototype: `instanceof`; a class's statics,
  // which the type F promises; attached properties such as util.promisify.custom). A function that is no constructor
  // stays none (no construct trap is ever called on it).
  const traced: F = new Proxy(fn, {
    apply: (_, thisArg, args) => run(thisArg, args),
    construct: (_, args, newTarget) => run(undefined, args, newTarget) as object,
  });
  return traced;
}

/**
 * What the wrapper cannot do without, checked as it is made (as `redact` and `limits` are): a mistake is ERR_CONFIG
 * naming it, not a TypeError read out of the wrapper's code (a method read before it exists), nor a warning at every
 * call (a log not given). A log given as a function of `this` is read at each call.
 */
function check(fn: unknown, options: TraceOptions | undefined): void {
  const bad = (field: string, why: string) => new AegisLogError('ERR_CONFIG', `${field} ${why}`, { field });
  if (typeof fn !== 'function') throw bad('fn', 'must be the function to trace');
  if (options === null || typeof options !== 'object') throw bad('options', 'must be an object, with the log');
  const log = options.log as unknown;
  if (typeof log !== 'function' && typeof (log as Partial<TraceLog> | null | undefined)?.record !== 'function') {
    throw bad('log', 'must be a log (an object with record()) or a function of `this` giving one');
  }
  // An event type record() refuses (PROTOCOL-v1.md §2: 1 to 128 characters) left every call unrecorded, a warning each.
  // (Not protocol/jcs.ts's isWellFormed: importing it here moved code into the chunk a recording page loads, +543 B.)
  const type = options.eventType as unknown;
  if (type !== undefined && (typeof type !== 'string' || type === '' || wellFormed(type) !== type || [...type].length > EVENT_TYPE_CHARS)) {
    throw bad('eventType', `must be a string of 1 to ${EVENT_TYPE_CHARS} characters, with no lone surrogate`);
  }
  // Called through a try that swallows what it throws: an onError that is no function silenced every failure to record.
  if (options.onError !== undefined && typeof options.onError !== 'function') throw bad('onError', 'must be a function (error, { eventType })');
  // Read as "no choice made", a `capture: false` or `{ output: 'false' }` took the default of each part (true), and
  // recorded the arguments and results it meant to keep out.
  const capture = options.capture as unknown;
  if (capture !== undefined && (capture === null || typeof capture !== 'object')) throw bad('capture', 'must be an object: { input, output, error }, each true, false or a function');
  for (const part of ['input', 'output', 'error'] as const) {
    const how = (capture as Record<string, unknown> | undefined)?.[part];
    if (how !== undefined && typeof how !== 'boolean' && typeof how !== 'function') throw bad(`capture.${part}`, 'must be true, false or a function');
  }
}

interface Begun {
  thisArg: unknown;
  args: unknown[];
  /** The described input, or why it could not be described. */
  input: { value: unknown } | { error: unknown };
  start: number;
}

function makeRecorder(options: TraceOptions, fnName: string) {
  const eventType = options.eventType ?? (fnName || 'function_call');
  const name = options.name ?? (fnName || 'anonymous');
  const capture = options.capture ?? {};
  const redactor = compileRedaction(options.redact);
  // Checked as the wrapper is made: `{ depth: undefined }` spread over the defaults, or NaN, had no depth bound, cut
  // every string to nothing and kept no item.
  const limits = limitsOver(DEFAULT_TRACE_LIMITS, options.limits, 'limits', wholeFrom(0));
  const report = (error: unknown): void => {
    try {
      if (options.onError) options.onError(error, { eventType });
      else console.warn(`aegislog trace: a call of "${eventType}" was not recorded: ${messageOf(error)}`);
    } catch {
      // The reporter itself failed: nothing more can be done without breaking the caller.
    }
  };
  /** `value` as the capture option says, described and redacted under the payload field `key`. */
  const captured = (key: string, how: TraceCapture[keyof TraceCapture], value: unknown): unknown => {
    if (how === false) return undefined;
    const raw = typeof how === 'function' ? (how as (v: unknown) => unknown)(value) : value;
    return describe(raw, [key], redactor, limits);
  };
  /** Records the finished call; `output`, when given, makes the output field (a generator's iteration). */
  const end = ({ thisArg, args, input, start }: Begun, failed: boolean, outcome: unknown, output?: () => unknown): void => {
    try {
      const call: TraceCall = { args, thisArg, failed, latencyMs: Math.round((now() - start) * 1000) / 1000 };
      if (failed) call.error = outcome;
      else call.result = outcome;
      if ('error' in input) throw input.error;
      const payload: Record<string, unknown> = { function: name, outcome: failed ? 'error' : 'ok' };
      if (input.value !== undefined) payload.input = input.value;
      const result = output ? output() : failed ? undefined : captured('output', capture.output, outcome);
      if (result !== undefined) payload.output = result;
      // describe() turns an Error into { name, message, ...own fields such as code }, never the stack.
      const error = failed ? captured('error', capture.error, outcome) : undefined;
      if (error !== undefined) payload.error = error;
      fit(payload);
      const log = typeof options.log === 'function' ? options.log(thisArg) : options.log;
      const recorded = log.record(eventType, payload, wireOptions(options, call));
      // A log of one's own whose record() is asynchronous (a wrapper over recordSync): its failure is reported as
      // any other, never left an unhandled rejection, which ends a Node process.
      if (isPromise(recorded)) recorded.then(undefined, report);
    } catch (error) {
      report(error);
    }
  };
  return {
    begin(thisArg: unknown, args: unknown[]): Begun {
      let input: Begun['input'];
      try {
        input = { value: captured('input', capture.input, args) };
      } catch (error) {
        input = { error };
      }
      return { thisArg, args, input, start: now() };
    },
    end,
    /** The watch of a generator's iteration: it records the call when the iteration ends. */
    iteration(begun: Begun): IterationWatch {
      const iterated = iterationOutput(capture.output, redactor, limits);
      return {
        yielded: (value) => iterated.yielded(value),
        ended: (failed, outcome, closed) => end(begun, failed, outcome, () => iterated.output(failed, outcome, closed)),
      };
    },
  };
}

/**
 * A generator's `output`: `{ count, yielded, returned, closed }`. Each value is described as it is yielded (as
 * the input is when the call begins: later changes to it are not recorded), the first `limits.items` only, all
 * under one field's budget: a long stream keeps its count, not its values. A capture function applies to each
 * yielded value, and to the returned one when there is one.
 */
function iterationOutput(how: TraceCapture['output'], redactor: Redactor, limits: DescribeLimits) {
  const part = describer(redactor, limits);
  // Each value sits at its own path (`output.yielded.<n>`, `output.returned`), which a rule may name as it names an
  // item or a key of any value: describe() looks only below the value it is given.
  const shown = (value: unknown, path: string[], depth: number): unknown =>
    redactor.matches(path.at(-1)!, path) ? REDACTED : part(value, path, depth);
  const pick = typeof how === 'function' ? how : (value: unknown) => value;
  const yielded: unknown[] = [];
  let count = 0;
  let fault: { error: unknown } | undefined;
  return {
    /** Never throws into the iteration: a capture function that throws is told when the call is recorded. */
    yielded(value: unknown): void {
      if (how === false || fault || count++ >= limits.items) return;
      try {
        const v = shown(pick(value), ['output', 'yielded', String(count - 1)], 2);
        yielded.push(v === undefined ? null : v); // as in any array
      } catch (error) {
        fault = { error };
      }
    },
    output(failed: boolean, returned: unknown, closed: boolean): unknown {
      if (fault) throw fault.error;
      if (how === false) return undefined;
      const more = count - yielded.length;
      const out: Record<string, unknown> = { count, yielded: more > 0 ? [...yielded, `[… ${more} more items]`] : yielded };
      const value = failed || returned === undefined ? undefined : shown(pick(returned), ['output', 'returned'], 1);
      if (value !== undefined) out.returned = value;
      if (closed) out.closed = true;
      return out;
    },
  };
}

/** UTF-8 bytes of JSON a call's payload may take: an event is at most 1 MiB (PROTOCOL.md §2), the rest is room for its own fields and contexts. */
const PAYLOAD_BYTES = 983_040; // 1 MiB less 64 KiB, as a literal (see describe.ts)

/**
 * The payload within an event: each field's text is bounded alone (`limits`), so the input and output together, a
 * field at its bound with the JSON around its text, or text of three UTF-8 bytes a character, made an event that
 * record() refused, and the call went unrecorded. Its largest fields, then, become `"[Truncated]"` until it fits.
 */
function fit(payload: Record<string, unknown>): void {
  const json = JSON.stringify(payload);
  // At most three UTF-8 bytes a UTF-16 unit, and at most one JSON value a character: a payload that fits so is not
  // measured further (almost every call).
  if (json.length * 3 <= PAYLOAD_BYTES && json.length <= EVENT_VALUES) return;
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
  let total = bytes(payload);
  // And the JSON values, keys counted, as record() counts them (EVENT_VALUES): each field is bounded alone
  // (`limits.nodes`), but keys and the "[Truncated]" left for each key past the bound are values too, and input and
  // output together passed it.
  let count = jsonValues(payload) - 1;
  const sizes = (['input', 'output', 'error'] as const).filter((f) => payload[f] !== undefined).map((f) => [f, bytes(payload[f]), jsonValues(payload[f])] as const);
  for (const [field, size, values] of sizes.sort((a, b) => b[1] - a[1])) {
    if (total <= PAYLOAD_BYTES && count <= EVENT_VALUES) return;
    payload[field] = '[Truncated]';
    total -= size - bytes('[Truncated]');
    count -= values - 1;
  }
}

/** JSON values in a described value, its keys counted. */
function jsonValues(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  let n = 1;
  if (Array.isArray(value)) for (const item of value) n += jsonValues(item);
  else for (const item of Object.values(value)) n += 1 + jsonValues(item);
  return n;
}

function wireOptions(options: TraceOptions, call: TraceCall): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of WIRE_CONTEXTS) {
    const value = resolve(options[key], call);
    if (value !== undefined) out[key] = value;
  }
  const metrics = resolve(options.performance_metrics, call);
  out.performance_metrics = { ...metrics, latency_ms: call.latencyMs };
  return out;
}

function resolve<T>(value: PerCall<T> | undefined, call: TraceCall): T | undefined {
  return typeof value === 'function' ? (value as (c: TraceCall) => T | undefined)(call) : value;
}

/**
 * The promise's own properties (`promisify(exec)`'s `.child`), as they are when the call returns, defined on the
 * promise returned in its place: callers read them there.
 */
function carryOwn(from: Promise<unknown>, to: Promise<unknown>): void {
  try {
    Object.defineProperties(to, Object.getOwnPropertyDescriptors(from));
  } catch {
    // A property that cannot be read or defined: the promise itself still settles as the original does.
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  // Inspecting the result must not fail the call that made it: a Proxy that throws on unknown keys (a strict
  // config object) or a revoked one is a value like any other.
  try {
    if (value instanceof Promise) return true;
    // A promise from another realm (an iframe, a vm context).
    return Object.prototype.toString.call(value) === '[object Promise]' && typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * Whether a promise is of a Promise subclass: its prototype is not a realm's Promise.prototype, whose own prototype
 * is that realm's Object.prototype (the end of the chain). Any realm's: a native promise from a vm context or an
 * iframe was taken for a subclass, and its rejection, handled by the wrapper, was never reported unhandled.
 */
function isSubclassed(promise: Promise<unknown>): boolean {
  try {
    const proto = Object.getPrototypeOf(promise);
    if (proto === Promise.prototype) return false;
    // A realm's Promise.prototype has its own `then`, and next in its chain the realm's Object.prototype, the end.
    const base = Object.getPrototypeOf(proto);
    return !(base !== null && Object.getPrototypeOf(base) === null && Object.hasOwn(proto, 'then'));
  } catch {
    return true; // as before: returned itself
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A monotonic clock where the runtime has one. A function, not a constant chosen once: a module-level constant
 * stays in every bundle that imports anything from the main entry, used or not (55 B of a recording page).
 */
function now(): number {
  return globalThis.performance?.now?.() ?? Date.now();
}
