import type { Answer } from './answer.js';
import type { Unsaved } from './ingest.js';
import type { EcPublicJwk, EvidenceBundle } from '../protocol/index.js';
import type { KeyRing } from './auth.js';
import type { KeyInFlight } from './in-flight.js';
import type { Sealer } from './sealer.js';
import type { LruCache } from './lru-cache.js';
import type { TileCache } from './tile-source.js';
import type { WitnessStatus } from './witness-client.js';
import type { Signer, Store, StoredCheckpoint, StoredHead } from './types.js';

/** Body, batch and per-key limits. The client relies on 413 meaning "split the batch", and on 429's Retry-After. */
export interface Limits {
  /**
   * `POST /ingest` body; the event itself is also held to 1 MiB as canonical JSON (schema `LIMITS.eventBytes`).
   * 4 MiB by default: the original Python SDK sends `json.dumps` text, which writes each non-ASCII character as
   * `\u` escapes (up to three times its UTF-8 bytes), so a Greek or Bulgarian event within 1 MiB needs about 3.
   */
  ingestBytes: number;
  /** `POST /ingest/batch` body (PROTOCOL.md §8: 1 MiB). */
  batchBytes: number;
  /** Events per batch or beacon (500). */
  batchEvents: number;
  /** `POST /beacon` body (60 KB, under sendBeacon's 64 KiB). */
  beaconBytes: number;
  /** Nesting of a body's JSON, checked as it streams in, before parsing (400 `ERR_TOO_DEEP`). Events themselves: 32. */
  jsonDepth: number;
  /** JSON values in a body (objects, arrays, keys, strings, numbers, literals), checked as it streams in (413: split it). */
  jsonValues: number;
  /**
   * Work a key may ask for, per second, in units (0: no limit). A request costs
   * one unit, plus one per event it carries, plus one per 64 JSON values of its
   * body (read, whether accepted or not), plus one per 16 KiB of a body read
   * whole. Over it: 429 with `Retry-After`.
   */
  keyRatePerSecond: number;
  /** Units a key may spend at once (the bucket's size). */
  keyRateBurst: number;
  /**
   * Requests of one key being read or answered at once on the ingest routes (each may hold a body
   * of up to `ingestBytes`) and `/export` (until its stream ends or its client goes). More: 429
   * `rate_limited` with `Retry-After`.
   */
  keyInFlight: number;
}

export const DEFAULT_LIMITS: Limits = {
  ingestBytes: 4 * 1024 * 1024,
  batchBytes: 1024 * 1024,
  batchEvents: 500,
  beaconBytes: 60 * 1024,
  jsonDepth: 64,
  jsonValues: 100_000,
  keyRatePerSecond: 2_000,
  keyRateBurst: 10_000,
  keyInFlight: 64,
};

/** JSON values that count as one unit of a key's rate (`Limits.keyRatePerSecond`). */
export const VALUES_PER_UNIT = 64;

/**
 * Bytes of a body read whole that count as one unit of a key's rate: decoding, parsing, validating and
 * canonicalising cost about 15 ms a MiB, so that a 4 MiB event of one long string (one JSON value) cost
 * 60 ms of the event loop for two units, where a typical event costs 0.5 ms for two.
 */
export const BYTES_PER_UNIT = 16 * 1024;

/** What every route handler gets. */
export interface Context {
  store: Store;
  signer: Signer;
  sealer: Sealer;
  ring: KeyRing;
  limits: Limits;
  /** Each key's requests in flight, capped at `limits.keyInFlight`. */
  inFlight: KeyInFlight;
  /** Whether `origin` is this server's own public origin (its pages are same-origin); never judged from the Host header. */
  isPublicOrigin(origin: string): boolean;
  /** The log's origin (§4.4): the first line of every checkpoint. */
  origin: string;
  periodSeconds: number;
  tileCache: TileCache;
  /** The last head found per tenant, for /evidence (sealed heads never change). */
  headCache: LruCache<StoredHead>;
  /** Root-log consistency proofs between two sizes, base64url, for /checkpoints (a proof never changes). */
  proofCache: LruCache<string[]>;
  /** Each configured witness: name, url, the size it last cosigned, its last error. */
  witnesses(): WitnessStatus[];
  now: (() => number) & { ignoredStep?(): number };
  sha256(data: Uint8Array): Uint8Array;
  onError(error: unknown): void;
  /** Tells the sealer an entry was logged (before the first seal, the first entry fixes where the first period starts). */
  logged(receivedAt: string): void;
  /** Receipt signatures issued and not yet kept by the store (see ingest.ts). */
  unsaved: Map<string, Unsaved>;
  /**
   * Takes work that goes on after the response (keeping receipt signatures, a seal
   * beside a request). A Worker ends such work with the response unless told of it
   * (`ExecutionContext.waitUntil`); in Node it needs nothing.
   */
  keepAlive(task: Promise<unknown>): void;
  /** The `/verify` answer for a bundle, checked against the given keys. */
  verifyAnswer(bundle: EvidenceBundle, keys: (EcPublicJwk & { kid: string })[]): Promise<unknown>;
  /** Every key the log has signed receipts with, current one included. */
  publicKeys(): Promise<(EcPublicJwk & { kid: string })[]>;
  /** The log's note keys as C2SP vkeys (§7), one per line. */
  vkeys(): Promise<string>;
  /** The latest checkpoint's note; before the first seal, a signed note of the empty root log. */
  latestNote(): Promise<{ note: string; checkpoint: StoredCheckpoint | undefined }>;
}

export type Handler = (request: Request, url: URL, ctx: Context, params: string[]) => Promise<Answer>;
