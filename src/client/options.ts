import { AegisLogError } from '../protocol/errors.js';
import type { Receipt, WireEvent } from '../protocol/types.js';
import { indexedDBQueue } from '../queue/indexeddb.js';
import { memoryQueue } from '../queue/memory.js';
import type { QueueStore } from '../queue/types.js';
import { TENANT_ID, TENANT_ID_RULE } from '../schema/index.js';
import type { ComplianceBlock, EvidenceReport, PublicKeyInput } from '../verify/index.js';
import type { BeaconLike, FetchLaterLike } from '../transport/exit.js';
import type { FetchLike } from '../transport/http.js';
import type { HttpConfig, RetryPolicy } from '../transport/http.js';

/** The part of the Web Locks API the client uses (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<unknown>;
}

export interface AegisLogOptions {
  /** Base URL of the AegisLog API, such as `https://aegislog.example.com` (no trailing slash needed). */
  endpoint: string;
  /** Default `'default'`. */
  tenantId?: string;
  /** Sent as `X-Api-Key`. In a browser, an `ingest`-scope key (publishable); it also travels in beacon bodies. */
  apiKey?: string;
  /** Flush when this many events are queued. Default 10. */
  batchSize?: number;
  /** Flush every this many ms; `0` runs no timer at all (edge functions: `ctx.waitUntil(log.flush())`). Default 5000. */
  flushInterval?: number;
  /**
   * Events waiting at most, in the whole queue store (all tabs, all isolates); beyond it a new event is
   * dropped: counted in `dropped`, reported to onError, and told to the server in an `aegislog.dropped`
   * event once there is room. Default 1000.
   */
  maxQueueSize?: number;
  /** Per-request timeout, ms. Default 10000. */
  timeout?: number;
  /** Where events wait: default IndexedDB in browsers (memory if it fails), memory elsewhere. See `kvQueue` for edge runtimes. */
  queue?: QueueStore;
  /** Replaces `globalThis.fetch` (tests, proxies, instrumented clients). */
  fetch?: FetchLike;
  /** Failures that record() cannot throw: dropped events, dead letters, exhausted retries, store errors. Default console.error. */
  onError?: (error: AegisLogError, eventIds?: string[]) => void;
  /** Page-exit beacon: `false` disables it; a function replaces `navigator.sendBeacon` (bound). */
  beacon?: false | BeaconLike;
  /** Deferred exit delivery: `false` disables it; a function replaces `globalThis.fetchLater`. */
  fetchLater?: false | FetchLaterLike;
  /** One flusher per queue across tabs: `false` disables it; an object replaces `navigator.locks`. */
  locks?: false | LockManagerLike;
  /** Trusted keys (PEM, JWK, JWKS, or a list): recordSync and verify then check receipt signatures locally. */
  publicKeys?: PublicKeyInput | readonly PublicKeyInput[];
  /**
   * Backoff of the delivery loop and of recordSync/verify. Defaults: 5 attempts
   * after the first, base 500 ms, ceiling 30000 ms, Retry-After capped at 60000 ms.
   */
  retry?: Partial<RetryPolicy>;
  /** Each receipt the delivery loop or recordSync received, after its digest was checked. */
  onReceipt?: (receipt: Receipt) => void;
}

export interface ClientStats {
  /** Events waiting: written to the queue store, or about to be. */
  queued: number;
  /** Events in requests not yet answered. */
  inFlight: number;
  /** Events the server acknowledged (duplicates included). */
  sent: number;
  /** Events sent again after a retryable failure. */
  retried: number;
  /**
   * Events not kept: dropped because the queue was full (their numbers are told in an `aegislog.dropped`
   * event), or left unwritten at close() by a failing queue store (told to onError only).
   */
  dropped: number;
  /** Events the server refused for good, kept in the dead-letter store. */
  deadLettered: number;
}

/**
 * The server's `/verify` answer (PROTOCOL.md §8; wire fields, snake_case as sent),
 * plus `local` when the client checked the evidence itself. For an unknown id,
 * `{ status: 'not_found', event_id }` and nothing else.
 */
export interface VerificationResult {
  status: 'verified' | 'pending' | 'invalid' | 'not_found';
  event_id?: string;
  event?: WireEvent;
  receipt?: Receipt;
  cryptographic_proof?: {
    kms_signature_valid: boolean;
    digest_valid?: boolean;
    digest_b64url: string;
    signature_b64url: string;
    key_id: string;
    signing_alg: string;
    received_at?: string;
  };
  /** Where the receipt sits in the sealed log; null until its period is sealed. */
  merkle_linkage?: {
    period_start: string;
    period_end: string;
    leaf_index?: number;
    tree_size: number;
    tenant_root_hash: string;
    head_index?: number;
    root_log_size?: number;
    global_root_hash: string | null;
    checkpoint_signature_valid: boolean;
  } | null;
  compliance?: ComplianceBlock;
  /** The server's own run of the offline checks, by name (a convenience: `local` is the check that counts). */
  checks?: Record<string, { status: 'passed' | 'failed' | 'skipped'; reason?: string }>;
  verified_at?: string;
  /** With `publicKeys`: the evidence bundle checked here against the pinned keys, by `aegislog/verify`, not taken on the server's word. */
  local?: EvidenceReport;
}

/** The options resolved once, shared by the client's parts (delivery loop, recordSync, verify). */
export interface ClientConfig extends HttpConfig {
  endpoint: string;
  tenantId: string;
  headers: Record<string, string>;
  store: QueueStore;
  publicKeys: PublicKeyInput | readonly PublicKeyInput[] | undefined;
  batchSize: number;
  maxQueueSize: number;
  /** Delivery counters, shown by stats(). `stored` is the queue store's size as last known (all tabs or isolates). */
  counts: { stored: number; inFlight: number; sent: number; retried: number; deadLettered: number };
  report(error: AegisLogError, eventIds?: string[]): void;
  onReceipt?: ((receipt: Receipt) => void) | undefined;
}

/** Defaults applied, endpoint checked, queue store chosen: IndexedDB in browsers (one database per endpoint and tenant), memory elsewhere. */
export function resolveConfig(options: AegisLogOptions): ClientConfig {
  // No options at all (a JS caller's `new AegisLog()`) is a missing endpoint too, not a TypeError.
  const endpoint = String(options?.endpoint).replace(/\/+$/, '');
  // Named as given: a missing one (an environment variable not exported) is told apart from one without its scheme.
  // One that does not parse (a port typo) failed every request in fetch, as a network error (where canParse exists).
  if (!/^https?:\/\//.test(endpoint) || URL.canParse?.(endpoint) === false) throw configError('endpoint', `must be an http(s) URL, such as http://127.0.0.1:8787 (got ${options?.endpoint == null ? options?.endpoint : JSON.stringify(endpoint)})`);
  // fetch refuses a URL with credentials, and a query or a fragment would swallow the routes appended to it.
  if (/^[^/]*\/\/[^/]*@|[?#]/.test(endpoint)) throw configError('endpoint', 'must not carry credentials, a query or a fragment');
  const tenantId = options.tenantId ?? 'default';
  if (typeof tenantId != 'string' || !TENANT_ID.test(tenantId)) throw configError('tenantId', `must be ${TENANT_ID_RULE}`);
  // Timers take at most 2^31 − 1 ms (beyond, they fire at once) and whole ms (Node's AbortSignal.timeout).
  whole(options, 'flushInterval', 0, 2 ** 31 - 1);
  // Of the wrong type, an option was ignored (retry: 0 read as no policy: 5 retries) or failed at each use (locks:
  // true failed every flush of a shared queue). `false` turns beacon, fetchLater and locks off.
  for (const [name, type] of Object.entries({ apiKey: 'string', queue: 'object', retry: 'object', fetch: 'function', onError: 'function', onReceipt: 'function', locks: 'object', beacon: 'function', fetchLater: 'function' })) {
    const value: unknown = options[name as keyof AegisLogOptions];
    if (value != null && typeof value != type && (value !== false || !/^(beacon|fetchLater|locks)$/.test(name))) throw configError(name, `must be of type ${type}`);
  }
  // Keys are text (PEM, base64 DER) or objects (JWK, JWKS, bytes, CryptoKey, a list): read when first used.
  const keys = options.publicKeys;
  if (keys != null && typeof keys != 'string' && typeof keys != 'object') throw configError('publicKeys', 'must be a key or keys (PEM, DER, JWK, JWKS, or a list)');
  const headers = { 'content-type': 'application/json', ...(options.apiKey && { 'x-api-key': options.apiKey }) };
  // A key no header can carry (beyond Latin-1, a line break inside) failed every request in fetch: ERR_NETWORK for ever.
  try {
    new Headers(headers);
  } catch {
    throw configError('apiKey', 'has a character no HTTP header can carry');
  }
  const browser = globalThis.document || globalThis.indexedDB;
  return {
    endpoint,
    tenantId,
    headers,
    store: options.queue ?? (browser ? indexedDBQueue({ name: `aegislog:${tenantId}@${endpoint}` }) : memoryQueue()),
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    timeout: whole(options, 'timeout', 1, 2 ** 31 - 1) ?? 10_000,
    retry: retryPolicy(options.retry ?? {}),
    publicKeys: options.publicKeys,
    batchSize: whole(options, 'batchSize', 1) ?? 10,
    maxQueueSize: whole(options, 'maxQueueSize', 1) ?? 1000,
    counts: { stored: 0, inFlight: 0, sent: 0, retried: 0, deadLettered: 0 },
    report: reporter(options.onError),
    onReceipt: guarded(options.onReceipt),
  };
}

/** A whole-number option from `min` to `max`, or undefined (null) when not given, as before; else ERR_CONFIG naming it. */
function whole(options: AegisLogOptions, name: 'batchSize' | 'flushInterval' | 'maxQueueSize' | 'timeout', min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = options[name];
  if (value != null && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw configError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A bad option: ERR_CONFIG, its message starting with the option's name, which `field` holds. */
function configError(field: string, why: string): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${field} ${why}`, { field });
}

const RETRY_DEFAULTS: RetryPolicy = { attempts: 5, baseDelay: 500, maxDelay: 30_000, maxRetryAfter: 60_000 };

/** The defaults, with what `retry` sets: an undefined field keeps its default (a spread would make it undefined: retries without end). */
function retryPolicy(given: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...RETRY_DEFAULTS };
  for (const name in policy) {
    const value = given[name as keyof RetryPolicy];
    if (value == null) continue;
    // A delay beyond setTimeout's 2^31−1 ms fires at once: the backoff a server asked for would be a burst.
    if (!(Number.isFinite(value) && value >= 0 && (name == 'attempts' ? Number.isInteger(value) : value <= 2147483647))) {
      throw configError(`retry.${name}`, name == 'attempts' ? 'must be a whole number ≥ 0' : 'must be a number of ms from 0 to 2147483647');
    }
    policy[name as keyof RetryPolicy] = value;
  }
  return policy;
}

/** onReceipt, made safe: what it throws is logged, and neither stops the delivery loop nor passes for a store failure. */
function guarded(onReceipt: AegisLogOptions['onReceipt']): ClientConfig['onReceipt'] {
  return onReceipt && ((receipt) => {
    try {
      onReceipt(receipt);
    } catch (thrown) {
      console.error('aegislog: onReceipt threw', thrown);
    }
  });
}

/**
 * onError, made safe to call from record() and the delivery loop. An onError that records, while the queue
 * is full, would be told of its own event's drop, and record again, without end: reports made while
 * onError runs are not made (the drops are still counted and told to the server). What it throws is logged.
 */
function reporter(onError: AegisLogOptions['onError']): ClientConfig['report'] {
  let reporting = false;
  return (error, ids) => {
    if (reporting) return;
    reporting = true;
    try {
      if (onError) onError(error, ids);
      else console.error('aegislog:', error, ids);
    } catch (thrown) {
      console.error('aegislog: onError threw', thrown);
    } finally {
      reporting = false;
    }
  };
}
