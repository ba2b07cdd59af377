import type { EcPublicJwk, EvidenceBundleV1 } from '../protocol/index.js';
import type { KeyRing } from './auth.js';
import type { Sealer } from './sealer.js';
import type { Signer, Store, StoredRecord } from './types.js';

/** Body, batch and per-key limits. The client relies on 413 meaning "split the batch", and on 429's Retry-After. */
export interface Limits {
  /** `POST /ingest` body; the event itself is also held to 1 MiB as canonical JSON (schema `LIMITS.eventBytes`). */
  ingestBytes: number;
  /** `POST /ingest/batch` body (PROTOCOL.md §7: 1 MiB). */
  batchBytes: number;
  /** Events per batch or beacon (PROTOCOL.md §7: 500). */
  batchEvents: number;
  /** `POST /beacon` body (PROTOCOL.md §7: 60 KB, under sendBeacon's 64 KiB). */
  beaconBytes: number;
  /** Nesting of a body's JSON, checked as it streams in, before parsing (400 `ERR_TOO_DEEP`). Events themselves: 32. */
  jsonDepth: number;
  /** JSON values in a body (objects, arrays, keys, strings, numbers, literals), checked as it streams in (413: split it). */
  jsonValues: number;
  /**
   * Work a key may ask for, per second, in units (0: no limit). A request costs
   * one unit, plus one per event it carries, plus one per 64 JSON values of its
   * body (read, whether accepted or not). Over it: 429 with `Retry-After`.
   */
  keyRatePerSecond: number;
  /** Units a key may spend at once (the bucket's size). */
  keyRateBurst: number;
}

export const DEFAULT_LIMITS: Limits = {
  ingestBytes: 2 * 1024 * 1024,
  batchBytes: 1024 * 1024,
  batchEvents: 500,
  beaconBytes: 60 * 1024,
  jsonDepth: 64,
  jsonValues: 100_000,
  keyRatePerSecond: 2_000,
  keyRateBurst: 10_000,
};

/** JSON values that count as one unit of a key's rate (`Limits.keyRatePerSecond`). */
export const VALUES_PER_UNIT = 64;

/** What every route handler gets. */
export interface Context {
  store: Store;
  signer: Signer;
  sealer: Sealer;
  ring: KeyRing;
  limits: Limits;
  /** Whether `origin` is this server's own public origin (its pages are same-origin); never judged from the Host header. */
  isPublicOrigin(origin: string): boolean;
  logId: string;
  periodSeconds: number;
  evidenceOf(record: StoredRecord): Promise<EvidenceBundleV1>;
  /** The `/verify` answer for a bundle, checked against the given keys. */
  verifyAnswer(bundle: EvidenceBundleV1, keys: (EcPublicJwk & { kid: string })[]): Promise<unknown>;
  sha256(data: Uint8Array): Uint8Array;
  /** Every key the log has signed with, current one included. */
  publicKeys(): Promise<(EcPublicJwk & { kid: string })[]>;
}

export type Handler = (request: Request, url: URL, ctx: Context, params: string[]) => Promise<Response>;
