import { AegisLogError, sha256 } from '../protocol/index.js';
import type { CheckpointV1 } from '../protocol/index.js';
import { keyRing } from './auth.js';
import { keyBudget } from './rate-limit.js';
import type { ApiKeyConfig } from './auth.js';
import { DEFAULT_LIMITS } from './context.js';
import type { Context, Handler, Limits } from './context.js';
import { evidenceBuilder } from './evidence.js';
import { HttpError, clientError, errorBody, json } from '../transport/web-handler.js';
import { healthz, jwks, pem, seal } from './routes-admin.js';
import { CORS_ROUTES, beacon, corsHeaders, crossOrigin, ingestBatch, ingestOne, preflight } from './routes-ingest.js';
import { checkpoints, evidence, exportPeriod, head, verify } from './routes-read.js';
import { createSealer } from './sealer.js';
import { verifyAnswerer } from './verify-answer.js';
import type { Signer, Store } from './types.js';

export interface ServerOptions {
  signer: Signer;
  store: Store;
  keys: readonly ApiKeyConfig[];
  /** Period length in seconds (default 86400: the UTC day). Periods are aligned to the Unix epoch. */
  period?: number;
  /** Clock in epoch milliseconds (default `Date.now`); tests inject one to cross period boundaries. */
  now?: () => number;
  /** `log_id` written into every checkpoint (default "aegislog"). Keep it fixed for the life of the log. */
  logId?: string;
  limits?: Partial<Limits>;
  /** SHA-256 for event digests, receipt hashes and presented API keys (default @noble/hashes; the Node entry passes node:crypto's). */
  sha256?: (data: Uint8Array) => Uint8Array;
  /** Where unexpected errors go, with the id that the 500 answer carries (default: console.error). */
  onError?: (error: unknown, errorId: string) => void;
  /**
   * This server's own public origins (`https://log.example.com`): pages served
   * from them post to the ingest routes as same-origin, with any ingest key.
   * Every other `Origin` must be in the key's `origins`. Default: none. Never
   * judged from the `Host` header, which a DNS-rebinding page chooses.
   * A function is asked on each request (`aegislog dev` learns its port after listening).
   */
  publicOrigins?: readonly string[] | (() => readonly string[]);
}

/** A Web-standard fetch handler, plus sealing controls for the host (timers, admin tools). */
export interface AegisServer {
  (request: Request): Promise<Response>;
  fetch(request: Request): Promise<Response>;
  /** Settles once the store is loaded and the periods that ended while the server was down are sealed; gives those checkpoints. */
  ready: Promise<CheckpointV1[]>;
  /** Seals every period that has ended. Idempotent. */
  sealDue(): Promise<CheckpointV1[]>;
  /** Seals the open period now (what `POST /admin/seal` does). */
  sealNow(): Promise<CheckpointV1[]>;
  /** Epoch ms at which the open period ends: when a host timer should call `sealDue()`. */
  nextSealAt(): number;
}

type Route = { method: string; path: string | RegExp; handler: Handler };

const ROUTES: Route[] = [
  { method: 'POST', path: '/ingest', handler: ingestOne },
  { method: 'POST', path: '/ingest/batch', handler: ingestBatch },
  { method: 'POST', path: '/beacon', handler: beacon },
  { method: 'GET', path: /^\/verify\/([^/]+)$/, handler: verify },
  { method: 'GET', path: /^\/evidence\/([^/]+)$/, handler: evidence },
  { method: 'GET', path: '/export', handler: exportPeriod },
  { method: 'GET', path: '/checkpoints', handler: checkpoints },
  { method: 'GET', path: '/head', handler: head },
  { method: 'POST', path: '/admin/seal', handler: seal },
  { method: 'GET', path: '/.well-known/aegislog/keys.json', handler: jwks },
  { method: 'GET', path: /^\/keys\/([^/]+)\.pem$/, handler: pem },
  { method: 'GET', path: '/healthz', handler: healthz },
];

/**
 * The reference server as one `(Request) => Promise<Response>`: the same code
 * runs behind the Node adapter, in workerd and on Vercel Edge.
 */
export function createServer(options: ServerOptions): AegisServer {
  const { signer, store } = options;
  const period = options.period ?? 86400;
  if (!Number.isInteger(period) || period < 1) throw new AegisLogError('ERR_CONFIG', 'period must be a whole number of seconds ≥ 1', { field: 'period' });
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error, id) => console.error(`aegislog: internal error ${id}`, error));
  const logId = options.logId ?? 'aegislog';
  const hash = options.sha256 ?? sha256;
  const sealer = createSealer({ store, signer, periodMs: period * 1000, now, logId });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const budget = keyBudget({ perSecond: limits.keyRatePerSecond, burst: limits.keyRateBurst }, now);
  const ctx: Context = {
    store,
    signer,
    sealer,
    ring: keyRing(options.keys, hash, budget),
    limits,
    isPublicOrigin: publicOriginCheck(options.publicOrigins),
    logId,
    periodSeconds: period,
    evidenceOf: evidenceBuilder(store),
    verifyAnswer: verifyAnswerer(now),
    publicKeys: () => store.keys(),
    sha256: hash,
  };

  const ready = (async () => {
    await store.putKey(await signer.publicJwk());
    await sealer.load();
    return sealer.sealDue();
  })();
  ready.catch(() => {}); // reported by every request (500) and to whoever awaits `ready`; never an unhandled rejection

  async function handle(request: Request): Promise<Response> {
    let url: URL | undefined;
    try {
      url = new URL(request.url);
      await ready;
      if (now() >= sealer.openPeriodEnd()) {
        // A period ended since the last request: seal it first. A failure here (say, KMS unreachable)
        // must not refuse ingests; the next request tries again.
        await sealer.sealDue().catch((error) => onError(error, crypto.randomUUID()));
      }
      return await dispatch(request, url);
    } catch (error) {
      return errorResponse(error, request, url);
    }
  }

  async function dispatch(request: Request, url: URL): Promise<Response> {
    const allowed: string[] = [];
    for (const route of ROUTES) {
      const params = typeof route.path === 'string' ? (route.path === url.pathname ? [] : null) : route.path.exec(url.pathname)?.slice(1);
      if (!params) continue;
      if (route.method === request.method) return route.handler(request, url, ctx, params);
      allowed.push(route.method);
    }
    if (allowed.length === 0) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
    if (request.method === 'OPTIONS' && CORS_ROUTES.has(url.pathname)) return preflight(request, ctx);
    throw new HttpError(405, 'method_not_allowed', `${request.method} is not allowed on ${url.pathname}`, undefined, { allow: allowed.join(', ') });
  }

  function errorResponse(error: unknown, request: Request, url: URL | undefined): Response {
    // Browsers may read the errors of the ingest routes, so that a client can tell "split" from "drop".
    const origin = url && CORS_ROUTES.has(url.pathname) ? crossOrigin(request, ctx) : undefined;
    const cors = origin !== undefined && ctx.ring.anyAllows(origin) ? corsHeaders(origin) : {};
    const known = clientError(error);
    if (known) return json(known.status, errorBody(known.code, known.message, known.field), { ...cors, ...known.headers });
    const errorId = crypto.randomUUID();
    onError(error, errorId);
    return json(500, errorBody('internal', 'internal error; the server log has the details', undefined, { error_id: errorId }), cors);
  }

  return Object.assign(handle, {
    fetch: handle,
    ready,
    sealDue: () => ready.then(() => sealer.sealDue()),
    sealNow: () => ready.then(() => sealer.sealNow()),
    nextSealAt: () => sealer.openPeriodEnd(),
  });
}

function publicOriginCheck(option: ServerOptions['publicOrigins']): (origin: string) => boolean {
  if (typeof option === 'function') return (origin) => option().includes(origin);
  const origins = new Set(
    (option ?? []).map((text, i) => {
      let origin: string | undefined;
      try {
        origin = new URL(text).origin;
      } catch {
        // reported below
      }
      if (!origin || origin === 'null') throw new AegisLogError('ERR_CONFIG', `publicOrigins[${i}] is not an origin such as https://log.example.com`, { field: 'publicOrigins' });
      return origin;
    }),
  );
  return (origin) => origins.has(origin);
}
