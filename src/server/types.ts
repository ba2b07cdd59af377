import type { CheckpointV1, EcPublicJwk, Receipt, TenantHeadV1, WireEvent } from '../protocol/index.js';

/**
 * Signs with ECDSA P-256 / SHA-256 and gives the DER `ECDSA-Sig-Value`
 * (PROTOCOL.md §1), the same shape whether the key lives in WebCrypto or KMS.
 */
export interface Signer {
  /** PROTOCOL.md §6: the RFC 7638 thumbprint for a local key, the key ARN for KMS. */
  readonly keyId: string;
  /** `sig(x)`: `message` is `C(x)`; the signer hashes it with SHA-256 and signs the digest. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The public key as published in the JWKS (`kid`, `alg: "ES256"`, `use: "sig"`). */
  publicJwk(): Promise<EcPublicJwk & { kid: string }>;
}

/** One event as kept: the canonical JSON exactly as digested, and its signed receipt. */
export interface StoredRecord {
  event: WireEvent;
  /** `C(event)`: the digest covers exactly these UTF-8 bytes. */
  eventJson: string;
  /** The receipt as issued (never with `duplicate`). */
  receipt: Receipt;
  /** `SHA-256(C(statement))`: the tenant tree's leaf data. */
  receiptHash: Uint8Array;
}

/** What `putRecords` did with one record, in input order. */
export type PutOutcome = { stored: true } | { stored: false; existing: StoredRecord };

/** A leaf position in a tenant's period, for keyset paging in leaf order. */
export interface LeafCursor {
  received_at: string;
  event_id: string;
}

/**
 * Everything the server keeps. One interface, so that Postgres or DynamoDB can
 * follow; `test/server/store-conformance.ts` is the contract every store passes.
 *
 * Times are the wire strings (RFC 3339 UTC with milliseconds), which sort
 * lexicographically in time order; ranges are half-open `[start, end)`.
 */
export interface Store {
  /**
   * Stores each record whose `(tenant_id, event_id)` is new, atomically for
   * the whole list, and resolves only once that is durable. A record whose id
   * exists (in the store or earlier in the same list) is not stored; the
   * outcome carries the existing record so the caller can tell a duplicate
   * from a conflict.
   */
  putRecords(records: readonly StoredRecord[]): Promise<PutOutcome[]>;
  getRecord(tenantId: string, eventId: string): Promise<StoredRecord | undefined>;
  /** Receipt hashes of one tenant in `[start, end)`, in leaf order: (`received_at`, `event_id`) ascending. */
  leaves(tenantId: string, start: string, end: string): Promise<Uint8Array[]>;
  /** Up to `limit` records of one tenant in `[start, end)` after `after`, in leaf order. */
  page(tenantId: string, start: string, end: string, after: LeafCursor | undefined, limit: number): Promise<StoredRecord[]>;
  /** Tenants with at least one receipt in `[start, end)`, in bytewise order of their UTF-8 ids. */
  tenantsIn(start: string, end: string): Promise<string[]>;
  /** The earliest `received_at` at or after `from` (any tenant), if any. */
  earliestReceipt(from: string): Promise<string | undefined>;

  /**
   * Writes a checkpoint and its tenant heads (in global-tree order) in one
   * transaction: after a crash there is either all of it or none. Refuses
   * (throws) when a checkpoint for that `period_start` exists or when
   * `checkpoint.period_start` is not the latest checkpoint's `period_end`.
   */
  putCheckpoint(checkpoint: CheckpointV1, heads: readonly TenantHeadV1[]): Promise<void>;
  latestCheckpoint(): Promise<CheckpointV1 | undefined>;
  /** The checkpoint whose period contains `time`, if sealed. */
  checkpointAt(time: string): Promise<CheckpointV1 | undefined>;
  /** Checkpoints whose period overlaps `[from, to)`, oldest first, at most `limit`. */
  checkpoints(from: string | undefined, to: string | undefined, limit: number): Promise<CheckpointV1[]>;
  /** Tenant heads of the period starting at `periodStart`, in global-tree order. */
  tenantHeads(periodStart: string): Promise<TenantHeadV1[]>;

  /** Records a public key the log signs with, so that old receipts stay verifiable after a rotation. */
  putKey(jwk: EcPublicJwk & { kid: string }): Promise<void>;
  keys(): Promise<(EcPublicJwk & { kid: string })[]>;

  close(): Promise<void>;
}
