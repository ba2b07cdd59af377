import { AegisLogError, parseTime, sha256 } from '../protocol/index.js';
import { limitsOver, wholeFrom } from '../protocol/limits.js';
import { emptyTreeRoot, formatCheckpoint } from '../tlog/checkpoint.js';
import { isKeyName, signNote } from '../tlog/note.js';
import { keyRing } from './auth.js';
import { keyBudget } from './rate-limit.js';
import { keyInFlight } from './in-flight.js';
import type { ApiKeyConfig } from './auth.js';
import { guardedClock } from './clock.js';
import { DEFAULT_LIMITS } from './context.js';
import type { Context, Handler, Limits } from './context.js';
import { logNoteSigners } from './note-signers.js';
import { originOf } from '../transport/origin.js';
import { HttpError, clientError, errorBody, json, methodNotAllowed } from '../transport/web-handler.js';
import { ANSWER, toResponse, type Answer, type AnswerHandler } from './answer.js';
import { healthz, jwks, pem, seal } from './routes-admin.js';
import { CORS_ROUTES, beacon, corsHeaders, crossOrigin, ingestBatch, ingestOne, preflight } from './routes-ingest.js';
import { checkpoint, checkpoints, consistency, rootTile, tenantTile, vkeys } from './routes-log.js';
import { evidence, exportPeriod, head, heads, verify } from './routes-read.js';
import { createSealer } from './sealer.js';
import { guardedOnError } from './guarded-on-error.js';
import { LruCache } from './lru-cache.js';
import { TileCache, storeTiles } from './tile-source.js';
import { WITNESS_RETRY_DEFAULTS, createWitnessClient, type WitnessConfig } from './witness-client.js';
import { verifyAnswerer } from './verify-answer.js';
import { ROOT_LOG, type Signer, type Store, type StoredCheckpoint, type StoredHead } from './types.js';

/**
 * Pairs of checkpoints whose proof /checkpoints keeps: four pages of history. An anonymous client may
 * ask for any page; without it each answer recomputed up to 999 proofs from tiles (about 100 ms).
 */
const PROOF_CACHE_ENTRIES = 4096;

/** After a seal beside a request failed, the wait before the next one (ms), doubled at each failure up to the max. */
const SEAL_RETRY_BASE_MS = 1000;
const SEAL_RETRY_MAX_MS = 60_000;

/** The longest sealing period, in seconds: a century. */
const MAX_PERIOD = 100 * 366 * 86400;

export interface ServerOptions {
  signer: Signer;
  store: Store;
  keys: readonly ApiKeyConfig[];
  /**
   * The log's identity (§4.4): the first line of every checkpoint and the name of
   * its note keys, a scheme-less URL without spaces or `+` such as
   * `evidence.acme.example/log`. Keep it fixed for the life of the log.
   */
  origin: string;
  /**
   * The log's Ed25519 note key (§4.4): a Go-style signer key line
   * `PRIVATE+KEY+<origin>+<key ID>+<base64>` of type 0x01 named by the origin
   * (`aegislog keygen --origin ORIGIN` makes one); keep it beside the receipt key (a
   * Worker secret on the edge). Without one, a new key is made at each start, so
   * checkpoints of earlier runs no longer verify under the log's current vkeys: for
   * tests and demos only.
   */
  noteKey?: string;
  /** Period length in seconds (default 86400: the UTC day). Periods are aligned to the Unix epoch. */
  period?: number;
  /** Wall clock in epoch milliseconds (default `Date.now`); tests inject one to cross period boundaries. */
  now?: () => number;
  /** Monotonic clock in milliseconds (default `performance.now`), against which forward jumps of `now` are measured. */
  monotonicNow?: () => number;
  /**
   * A forward step of the wall clock beyond this (ms, default 60000) relative to the
   * monotonic clock is not followed until it is corrected or the server restarts
   * (see docs/server.md, "Clock"). `Infinity` follows every step, which is the
   * default when `now` is given without `monotonicNow` (an injected clock has no
   * monotonic twin to measure it against).
   */
  maxClockStep?: number;
  limits?: Partial<Limits>;
  /** SHA-256 for event digests, receipt hashes and presented API keys (default @noble/hashes; the Node entry passes node:crypto's). */
  sha256?: (data: Uint8Array) => Uint8Array;
  /** Where unexpected errors go, with the id that the 500 answer carries (default: console.error). */
  onError?: (error: unknown, errorId: string) => void;
  /**
   * C2SP witnesses to cosign each checkpoint (§4.5): `{ url, vkey }`, `url` the
   * witness's submission prefix. Submitted after each seal; a witness that is
   * down never blocks sealing or ingest, and shows in `/healthz`.
   */
  witnesses?: readonly WitnessConfig[];
  /** Backoff of the witness submissions: first delay and ceiling in ms, tries per checkpoint (default 1000, 300000, no bound: §4.5 keeps retrying). */
  witnessRetry?: { baseDelay?: number; maxDelay?: number; attempts?: number };
  /**
   * This server's own public origins (`https://log.example.com`): pages served
   * from them post to the ingest routes as same-origin, with any ingest key.
   * Every other `Origin` must be in the key's `origins`. Default: none. Never
   * judged from the `Host` header, which a DNS-rebinding page chooses.
   * A function is asked on each request (`aegislog dev` learns its port after listening); its answer is read as
   * the array is, and one that is not an array of origins is reported to `onError` and names none.
   */
  publicOrigins?: readonly string[] | (() => readonly string[]);
}

/** What a Worker passes as its handler's third argument: work given to `waitUntil` outlives the response. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * A Web-standard fetch handler, plus sealing controls for the host (timers, admin tools).
 * Called as a Worker's `fetch(request, env, ctx)`, it gives `ctx.waitUntil` the work that
 * outlives the response (keeping receipt signatures, a seal beside a request), which a
 * Worker would otherwise cut off; `env` is not read.
 */
export interface AegisServer {
  (request: Request, env?: unknown, ctx?: ExecutionContextLike): Promise<Response>;
  fetch(request: Request, env?: unknown, ctx?: ExecutionContextLike): Promise<Response>;
  /** Settles once the store is loaded and the periods that ended while the server was down are sealed; gives those checkpoints. */
  ready: Promise<StoredCheckpoint[]>;
  /** Seals every period that has ended. Idempotent; concurrent calls share one seal. */
  sealDue(): Promise<StoredCheckpoint[]>;
  /** Seals the open period now (what `POST /admin/seal` does); concurrent calls share one seal. */
  sealNow(): Promise<StoredCheckpoint[]>;
  /** Epoch ms at which the open period ends: when a host timer should call `sealDue()`. */
  nextSealAt(): number;
  /**
   * Resolves once the work that outlived its answers is done (receipt signatures being kept, a seal
   * beside a request), those given to a Worker's `waitUntil` aside: await it before closing the store.
   */
  settled(): Promise<void>;
}

type Route = { method: string; path: string | RegExp; handler: Handler };

const ROUTES: Route[] = [
  { method: 'POST', path: '/ingest', handler: ingestOne },
  { method: 'POST', path: '/ingest/batch', handler: ingestBatch },
  { method: 'POST', path: '/beacon', handler: beacon },
  { method: 'GET', path: /^\/verify\/([^/]+)$/, handler: verify },
  { method: 'GET', path: /^\/evidence\/([^/]+)$/, handler: evidence },
  { method: 'GET', path: '/head', handler: head },
  { method: 'GET', path: '/export', handler: exportPeriod },
  { method: 'GET', path: /^\/logs\/([^/]+)\/heads$/, handler: heads },
  { method: 'GET', path: /^\/logs\/([^/]+)\/tile\/(.+)$/, handler: tenantTile },
  { method: 'GET', path: '/checkpoint', handler: checkpoint },
  { method: 'GET', path: /^\/tile\/.+$/, handler: rootTile },
  { method: 'GET', path: '/checkpoints', handler: checkpoints },
  { method: 'GET', path: '/proof/consistency', handler: consistency },
  { method: 'POST', path: '/admin/seal', handler: seal },
  { method: 'GET', path: '/.well-known/aegislog/keys.json', handler: jwks },
  { method: 'GET', path: '/.well-known/aegislog/vkeys', handler: vkeys },
  { method: 'GET', path: /^\/keys\/([^/]+)\.pem$/, handler: pem },
  { method: 'GET', path: '/healthz', handler: healthz },
];

/**
 * The reference server as one `(Request) => Promise<Response>`: the same code
 * runs behind the Node adapter, in workerd and on Vercel Edge.
 */
export function createServer(options: ServerOptions): AegisServer {
  // No options at all is a missing signer first (below), not a TypeError.
  const given = (options ?? {}) as Partial<ServerOptions>;
  // Not awaited (`store: sqliteStore(path)`), or left out: it failed as a TypeError in `ready` and every request a 500.
  for (const [name, example] of [['signer', 'await localSigner()'], ['store', 'await sqliteStore(path)']] as const) {
    const value: unknown = given[name];
    const promise = typeof (value as { then?: unknown } | null)?.then === 'function';
    if (typeof value !== 'object' || value === null || promise) {
      throw new AegisLogError('ERR_CONFIG', `${name} must be a ${name === 'signer' ? 'Signer' : 'Store'} such as ${example}${promise ? ' (this is a promise of one: await it)' : ''}`, { field: name });
    }
  }
  // A hash that is no function failed as a TypeError. (An onError that is none: guardedOnError refuses it, as for listen.)
  if (given.sha256 != null && typeof given.sha256 !== 'function') throw new AegisLogError('ERR_CONFIG', 'sha256 must be a function', { field: 'sha256' });
  const { signer, store } = options; // both checked above
  const period = options.period ?? 86400;
  // At most a century: a period's end must stay a time that formatTime can write.
  if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) throw new AegisLogError('ERR_CONFIG', `period must be a whole number of seconds from 1 to ${MAX_PERIOD}`, { field: 'period' });
  if (!isKeyName(options.origin)) {
    throw new AegisLogError('ERR_CONFIG', 'origin must be a non-empty name without spaces or "+", such as evidence.example.com/log', { field: 'origin' });
  }
  const onError = guardedOnError(options.onError);
  const report = (error: unknown) => onError(error, crypto.randomUUID());
  for (const name of ['now', 'monotonicNow'] as const) {
    if (options[name] != null && typeof options[name] !== 'function') throw new AegisLogError('ERR_CONFIG', `${name} must be a function giving the time in milliseconds`, { field: name });
  }
  // NaN (a Number() of an unset setting) would turn the guard off without a word: `w > expected + NaN` is never true.
  if (options.maxClockStep != null && !(typeof options.maxClockStep === 'number' && options.maxClockStep >= 0)) {
    throw new AegisLogError('ERR_CONFIG', 'maxClockStep must be a number of milliseconds ≥ 0 (Infinity: follow every step)', { field: 'maxClockStep' });
  }
  const maxStep = options.maxClockStep ?? (options.now && !options.monotonicNow ? Infinity : 60_000);
  const now = guardedClock(options.now ?? Date.now, options.monotonicNow ?? (() => performance.now()), maxStep, (step) =>
    report(new AegisLogError('ERR_CLOCK_STEP', `the wall clock stepped ${Math.round(step / 1000)} s ahead of the monotonic clock; receipts keep the monotonic time until it is corrected or the server restarts`)),
  );
  const hash = options.sha256 ?? sha256;
  const isPublicOrigin = publicOriginCheck(options.publicOrigins, report);
  const notes = logNoteSigners(options.origin, signer, options.noteKey);
  // A bad key shows at the first checkpoint or vkeys request that awaits it, not as an unhandled rejection.
  notes.catch(() => undefined);
  const signCheckpoint = async (size: number, root: Uint8Array) => signNote(formatCheckpoint(options.origin, size, root), (await notes).signers);
  /** Work that outlives its answer (keepAlive), in this process. */
  const pending = new Set<Promise<void>>();
  const tileCache = new TileCache();
  const witnessClient = createWitnessClient({
    store,
    witnesses: checkedWitnesses(options.witnesses),
    logVkeys: async () => (await notes).vkeys,
    origin: options.origin,
    rootTiles: storeTiles(store, ROOT_LOG, tileCache),
    ...(options.witnessRetry !== undefined ? { retry: checkedRetry(options.witnessRetry) } : {}),
    onError: report,
  });
  const sealer = createSealer({ store, periodMs: period * 1000, now, signCheckpoint, onSealed: () => witnessClient.submit() });
  let emptyNote: Promise<string> | undefined;
  const limits = checkedLimits(options.limits);
  const budget = keyBudget({ perSecond: limits.keyRatePerSecond, burst: limits.keyRateBurst }, now);
  const ctx: Context = {
    store,
    signer,
    sealer,
    ring: keyRing(options.keys, hash, budget),
    limits,
    inFlight: keyInFlight(limits.keyInFlight),
    isPublicOrigin,
    origin: options.origin,
    periodSeconds: period,
    tileCache,
    headCache: new LruCache<StoredHead>(10_000),
    proofCache: new LruCache<string[]>(PROOF_CACHE_ENTRIES),
    witnesses: () => witnessClient.status(),
    now,
    sha256: hash,
    onError: report,
    logged: (receivedAt) => sealer.noteEntry(parseTime(receivedAt)),
    unsaved: new Map(),
    // Tracked for settled(); a request given an ExecutionContext gets its waitUntil instead (handle).
    keepAlive: (task) => {
      const done = task.then(() => undefined, () => undefined);
      pending.add(done);
      void done.then(() => pending.delete(done));
    },
    verifyAnswer: verifyAnswerer(now, async () => (await notes).vkeys.join('\n')),
    publicKeys: () => store.keys(),
    vkeys: async () => (await notes).vkeys.map((v) => `${v}\n`).join(''),
    async latestNote() {
      const latest = await store.latestCheckpoint();
      if (latest) return { note: latest.note, checkpoint: latest };
      // Before the first seal the root log is empty: its checkpoint is the empty tree's, signed once.
      return { note: await (emptyNote ??= signCheckpoint(0, emptyTreeRoot())), checkpoint: undefined };
    },
  };

  /** Set once the store is loaded: what fails after it (the start-up seal) does not keep requests out. */
  let storeLoaded = false;
  const load = async () => {
    await store.putKey(await signer.publicJwk());
    await notes;
    await sealer.load();
    storeLoaded = true;
    try {
      return await sealer.sealDue();
    } finally {
      witnessClient.submit(); // a checkpoint that a witness has not cosigned yet (it was down, or this server was)
    }
  };
  const ready = load();
  ready.catch(() => {}); // reported to whoever awaits `ready`, and by requests until the store is loaded; never an unhandled rejection
  /**
   * `ready`, or, when it failed because the store was unavailable (a database restarting as the server
   * started), the start-up run again: once the store is back the server serves, rather than 503 for good.
   */
  let loading: Promise<unknown> = ready;
  const whenLoaded = async (): Promise<unknown> => {
    const attempt = loading;
    try {
      return await attempt;
    } catch (error) {
      // Loaded, but the seal of the periods that ended while the server was down failed (a signer or store
      // hiccup; `ready` rejected with it): requests are served, and the seal is tried again beside them.
      if (storeLoaded) return undefined;
      if (!(error instanceof AegisLogError && error.code === 'ERR_STORE_UNAVAILABLE')) throw error;
      // One new attempt, shared by the requests that find this one failed.
      if (loading === attempt) (loading = load()).catch(() => {});
      return loading;
    }
  };

  async function answer(request: Request, _env?: unknown, execution?: ExecutionContextLike): Promise<Answer> {
    let url: URL | undefined;
    try {
      url = new URL(request.url);
      await whenLoaded();
      // A Worker cuts off what runs after the response unless it is given to waitUntil.
      const requestCtx = typeof execution?.waitUntil === 'function' ? { ...ctx, keepAlive: (task: Promise<unknown>) => execution.waitUntil(task) } : ctx;
      // A period ended since the last seal: seal it beside this request, never before it (ingest never waits for a seal).
      sealBeside(requestCtx);
      return await dispatch(request, url, requestCtx);
    } catch (error) {
      return errorResponse(error, request, url);
    }
  }

  /** The seal started beside a request, while it runs; after one failed, when the next may start and how many failed in a row. */
  let besideRunning: Promise<void> | undefined;
  let besideRetryAt = 0;
  let besideFailures = 0;
  /**
   * Seals what is due beside a request, one seal at a time. After a failure (a signer or store down) the next
   * waits, doubling up to SEAL_RETRY_MAX_MS: every request, anonymous ones too, used to start a whole seal
   * again (every grown tenant's root read from tiles), back to back, each failure logged.
   */
  function sealBeside(ctx: Context): void {
    const t = now();
    if (besideRunning || t < besideRetryAt || t < sealer.openPeriodEnd()) return;
    const running = sealer.sealDue().then(
      () => void (besideFailures = 0),
      (error: unknown) => {
        besideFailures++;
        besideRetryAt = now() + Math.min(SEAL_RETRY_MAX_MS, SEAL_RETRY_BASE_MS * 2 ** Math.min(besideFailures - 1, 16));
        report(error);
      },
    );
    besideRunning = running.finally(() => (besideRunning = undefined));
    ctx.keepAlive(besideRunning);
  }

  async function dispatch(request: Request, url: URL, ctx: Context): Promise<Answer> {
    const allowed: string[] = [];
    for (const route of ROUTES) {
      const params = typeof route.path === 'string' ? (route.path === url.pathname ? [] : null) : route.path.exec(url.pathname)?.slice(1);
      if (!params) continue;
      // HEAD is GET without the body (RFC 9110 §9.3.2): the runtime, or the Node adapter, leaves the body out.
      if (route.method === request.method || (request.method === 'HEAD' && route.method === 'GET')) return route.handler(request, url, ctx, params);
      allowed.push(...(route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
    }
    if (allowed.length === 0) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
    if (CORS_ROUTES.has(url.pathname)) {
      if (request.method === 'OPTIONS') return preflight(request, ctx);
      allowed.push('OPTIONS');
    }
    throw methodNotAllowed(request.method, url.pathname, allowed.join(', '));
  }

  function errorResponse(error: unknown, request: Request, url: URL | undefined): Response {
    // Browsers may read the errors of the ingest routes, so that a client can tell "split" from "drop".
    const origin = url && CORS_ROUTES.has(url.pathname) ? crossOrigin(request, ctx) : undefined;
    const cors = origin !== undefined && ctx.ring.anyAllows(origin) ? corsHeaders(origin) : {};
    const known = clientError(error);
    if (known) return json(known.status, errorBody(known.code, known.message, known.field), { ...cors, ...known.headers });
    const errorId = crypto.randomUUID();
    onError(error, errorId);
    if (error instanceof AegisLogError && error.code === 'ERR_STORE_UNAVAILABLE') {
      // The database is down or restarting: nothing was acknowledged, so the client retries (a retried event
      // that did commit comes back as a duplicate with its receipt).
      return json(503, errorBody('unavailable', 'the log store is unavailable; retry later', undefined, { error_id: errorId }), { ...cors, 'retry-after': '1' });
    }
    return json(500, errorBody('internal', 'internal error; the server log has the details', undefined, { error_id: errorId }), cors);
  }

  const handle = async (request: Request, env?: unknown, execution?: ExecutionContextLike): Promise<Response> => toResponse(await answer(request, env, execution));
  async function settled(): Promise<void> {
    while (pending.size > 0) await Promise.all(pending);
  }
  return Object.assign(handle, {
    fetch: handle,
    [ANSWER]: answer as AnswerHandler,
    ready,
    sealDue: () => whenLoaded().then(() => sealer.sealDue()),
    sealNow: () => whenLoaded().then(() => sealer.sealNow()),
    nextSealAt: () => sealer.openPeriodEnd(),
    settled,
  });
}

/**
 * `limits` over the defaults, each checked: a size or count is a whole number ≥ 1 (a bad one used to turn
 * its check off, or refuse every body), a key rate a number ≥ 0 (0: off).
 */
function checkedLimits(given: Partial<Limits> | undefined): Limits {
  const limits = limitsOver(DEFAULT_LIMITS, given, 'limits', (name, value) =>
    name === 'keyRatePerSecond' || name === 'keyRateBurst'
      ? typeof value === 'number' && Number.isFinite(value) && value >= 0
        ? undefined
        : 'a number ≥ 0 (0: no limit)'
      : wholeFrom(1)(name, value),
  );
  if (limits.keyRatePerSecond > 0 && limits.keyRateBurst < 1) {
    throw new AegisLogError('ERR_CONFIG', 'limits.keyRateBurst must be at least 1 while keyRatePerSecond is on: a request takes one unit', { field: 'limits.keyRateBurst' });
  }
  return limits;
}

function checkedWitnesses(given: ServerOptions['witnesses']): readonly WitnessConfig[] {
  if (given !== undefined && !Array.isArray(given)) throw new AegisLogError('ERR_CONFIG', 'witnesses must be an array of { url, vkey }', { field: 'witnesses' });
  return given ?? [];
}

/** The longest timer setTimeout keeps: past it Node waits 1 ms instead (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * witnessRetry, checked as limits are: a delay of 0, below 0, not a number or beyond MAX_TIMER_MS would retry a
 * witness that is down without pause (setTimeout waits 1 ms for those in Node, none in a Worker), a loop of
 * requests at it for as long as it stays down.
 */
function checkedRetry(given: unknown): NonNullable<ServerOptions['witnessRetry']> {
  const retry = limitsOver(WITNESS_RETRY_DEFAULTS, given, 'witnessRetry', (name, value) => {
    if (name === 'attempts') return value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value as number) >= 1) ? undefined : 'a whole number ≥ 1 (or Infinity: no bound)';
    return typeof value === 'number' && value > 0 && value <= MAX_TIMER_MS ? undefined : `a number of milliseconds > 0 and ≤ ${MAX_TIMER_MS} (24.8 days)`;
  });
  // Against the baseDelay given, not the default: a maxDelay of 500 alone caps every wait at 500 ms, as it always did.
  const base = (given as { baseDelay?: number }).baseDelay ?? 0;
  if (retry.maxDelay < base) throw new AegisLogError('ERR_CONFIG', 'witnessRetry.maxDelay must be at least baseDelay', { field: 'witnessRetry.maxDelay' });
  return retry;
}

function publicOriginCheck(option: ServerOptions['publicOrigins'], report: (error: unknown) => void): (origin: string) => boolean {
  // A function's answer is checked as the array is, at each request: a string given back (an environment variable
  // passed on as it is) would otherwise be matched by includes() as text, so that any Origin it contains, such as
  // https://log.example.co for https://log.example.com, passed as this server's own. A bad answer is reported and
  // names no origin: every Origin is then judged by the key's own `origins`, as without publicOrigins.
  if (typeof option === 'function') {
    // Reported once per distinct mistake, not at every browser request while it lasts (a log line each).
    let reported: string | undefined;
    return (origin) => {
      try {
        return originsOf(option(), 'publicOrigins()').has(origin);
      } catch (error) {
        const message = String((error as Error)?.message ?? error);
        if (message !== reported) report(error);
        reported = message;
        return false;
      }
    };
  }
  const origins = originsOf(option, 'publicOrigins');
  return (origin) => origins.has(origin);
}

/** The origins of a publicOrigins list (`https://log.example.com/` as `https://log.example.com`); ERR_CONFIG for anything else. */
function originsOf(list: unknown, name: string): Set<string> {
  if (list !== undefined && !Array.isArray(list)) {
    throw new AegisLogError('ERR_CONFIG', `${name} must be an array of origins (or a function giving them)`, { field: 'publicOrigins' });
  }
  return new Set(
    ((list ?? []) as unknown[]).map((text, i) => {
      const origin = originOf(text);
      if (!origin) throw new AegisLogError('ERR_CONFIG', `${name}[${i}] is not an origin such as https://log.example.com`, { field: 'publicOrigins' });
      return origin;
    }),
  );
}
