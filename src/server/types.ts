import type { EcPublicJwk, HistoryEntry, ReceiptStatement, TenantHead, WireEvent } from '../protocol/index.js';
import type { TileRef } from '../tlog/tiles.js';
import type { TileWrite } from '../tlog/tile-append.js';

/**
 * Signs with ECDSA P-256 / SHA-256 and gives the DER `ECDSA-Sig-Value`
 * (PROTOCOL.md §1), the same shape whether the key lives in WebCrypto or KMS.
 */
export interface Signer {
  /** PROTOCOL.md §7: the RFC 7638 thumbprint for a local key, the key ARN for KMS. */
  readonly keyId: string;
  /** `sig(x)`: `message` is `C(x)` (or a note text); the signer hashes it with SHA-256 and signs the digest. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: `sign` of each message, in order, as one call. Ingest signs a batch's receipts with it
   * where the signer has it (the Node signer: one message to a signing thread for the whole batch).
   */
  signMany?(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** The public key as published in the JWKS (`kid`, `alg: "ES256"`, `use: "sig"`). */
  publicJwk(): Promise<EcPublicJwk & { kid: string }>;
}

/** A receipt's signature for the store to keep: the record named both by its event id and by its leaf. */
export interface SignatureWrite {
  tenantId: string;
  eventId: string;
  /** The record's leaf in its tenant log: a store may find the record by it rather than by `eventId`. */
  leafIndex: number;
  /** The DER signature as the receipt carries it. */
  signature_b64url: string;
}

/** An event ready to be logged: validated, canonicalised and digested by the server. */
export interface NewEntry {
  event: WireEvent;
  /** `C(event)`: the digest covers exactly these UTF-8 bytes. */
  eventJson: string;
  digest_b64url: string;
}

/**
 * One event as kept. The statement, and so the leaf, is fixed at commit; the
 * signature is made after the commit and kept when it is stored (`null` until
 * then: a crash between the two leaves a logged entry that is signed again on
 * its next read, which changes no hash).
 */
export interface StoredRecord {
  event: WireEvent;
  eventJson: string;
  statement: ReceiptStatement;
  trace_id: string;
  signature_b64url: string | null;
  /** `SHA-256(C(statement))`: the tenant log's entry. */
  receiptHash: Uint8Array;
  leafIndex: number;
}

/** What the sequencer did with one entry of a batch, in input order. */
export type AppendOutcome = { stored: true; record: StoredRecord } | { stored: false; existing: StoredRecord };

export interface AppendRequest {
  tenantId: string;
  entries: readonly NewEntry[];
  /** The clock reading (epoch ms) for this batch; the store raises it to §4.1's floor inside its commit. */
  now: number;
  /** `key_id` of the receipt key, written into each statement. */
  keyId: string;
  sha256(data: Uint8Array): Uint8Array;
}

/** `''` names the root log; any other value is a tenant log (tenant ids are never empty). */
export type LogName = string;
export const ROOT_LOG: LogName = '';

/** A tenant head as the root log holds it. */
export interface StoredHead {
  head: TenantHead;
  headIndex: number;
}

/** A checkpoint as the history keeps it: `note` grows as witness cosignatures arrive. */
export interface StoredCheckpoint extends Omit<HistoryEntry, 'consistency_b64url'> {
  /** 0-based position in the history (`GET /checkpoints?from=&to=`). */
  seq: number;
}

/** Everything one seal writes, atomically (§4.2–§4.4). */
export interface SealCommit {
  period_start: string;
  period_end: string;
  sealed_at: string;
  /** The heads of the period in ascending tenant_id order, with their root-log indexes. */
  heads: StoredHead[];
  /** The root log's tiles after appending the heads. */
  rootWrites: TileWrite[];
  rootSize: number;
  /** The signed note of the root log at `rootSize`. */
  note: string;
}

/** A tenant whose log grew in a period being closed, and what its previous head said. */
export interface GrownLog {
  tenantId: string;
  prevTreeSize: number;
  prevHeadIndex: number | null;
  /**
   * The log's size at the period's end (what `sizeAt` answers), from a store that learned it in `closePeriod`
   * (the Durable Object store, whose every call is a subrequest): the sealer then does not ask. With `root`, or not at all.
   */
  treeSize?: number;
  /** The root of the log's tree of `treeSize` entries (what its tiles give): the sealer then reads no tile. */
  root?: Uint8Array;
}

/**
 * Everything the server keeps, for stores that many processes or objects share
 * (SQLite, PostgreSQL, Durable Objects). `test/server/store-conformance.ts` is the
 * contract every store passes. Times are the wire strings (RFC 3339 UTC with
 * milliseconds), which sort in time order; ranges are half-open.
 *
 * Each tenant log has one sequencer: `append` fixes `received_at` and the leaf
 * index inside the store's commit, so no lock outside the store is needed for
 * ingest. One sealer at a time holds the lease.
 */
export interface Store {
  /**
   * The sequencer (§4.1). In one atomic commit, for one tenant: each entry whose
   * `event_id` is new (in the store and earlier in the list) gets
   * `received_at = max(now, the log's last received_at, closed_until)` (one value
   * for the list), the next leaf index, its statement and receipt hash, and the
   * log's tiles grow; resolves once that is durable. Existing ids come back as
   * `existing`, so the caller can tell a duplicate from a conflict.
   */
  append(request: AppendRequest): Promise<AppendOutcome[]>;
  /** Keeps receipt signatures made after their commit; a record keeps the first one it was given. */
  putSignatures(signatures: readonly SignatureWrite[]): Promise<void>;
  getRecord(tenantId: string, eventId: string): Promise<StoredRecord | undefined>;
  /**
   * Records of one tenant log with leaf index in `[from, to)`, in leaf order, at most `limit`, and fewer once
   * they hold RECORDS_PAGE_CHARS of event text (store-rules.ts); never none while the range holds one.
   */
  records(tenantId: string, from: number, to: number, limit: number): Promise<StoredRecord[]>;
  /** Size of a log (0 when it does not exist). */
  logSize(log: LogName): Promise<number>;
  /**
   * Tile bytes, each at least `width` hashes (a longer tile is fine: a partial tile is a prefix of its later states).
   * A tile not held: AegisLogError `ERR_TILE_MISSING` (a failed read throws its own error).
   */
  readTiles(log: LogName, tiles: readonly TileRef[]): Promise<Uint8Array[]>;
  /** The entries of a log in `[from, to)` (receipt hashes, or head hashes for the root log), for entry bundles. */
  entryData(log: LogName, from: number, to: number): Promise<Uint8Array[]>;

  /** The end of the last closed period (§4.1 `closed_until`), or undefined before the first. */
  closedUntil(): Promise<string | undefined>;
  /**
   * Closes every log at `periodEnd` (§4.2): once this resolves, no sequencer issues a
   * `received_at` below it. Must be later than the current `closed_until`; idempotent for an equal one.
   */
  closePeriod(periodEnd: string): Promise<void>;
  /** Tenants with an entry not yet covered by a head whose `received_at` is below `periodEnd`, in ascending tenant_id order. */
  grownLogs(periodEnd: string): Promise<GrownLog[]>;
  /** Entries of a closed tenant log with `received_at < time`: a prefix, since received_at never decreases. */
  sizeAt(tenantId: string, time: string): Promise<number>;
  /**
   * Writes a seal (heads, root-log tiles, the checkpoint) in one transaction.
   * Refuses (ERR_ALREADY_SEALED) a period that is sealed, and (ERR_PERIOD_ORDER)
   * one that does not start where the last sealed period ended.
   */
  commitSeal(seal: SealCommit): Promise<StoredCheckpoint>;
  /** The earliest `received_at` among entries no head covers yet (any tenant): where the next non-empty period starts. */
  earliestPending(): Promise<string | undefined>;

  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Checkpoints with `seq` in `[from, to)`, oldest first. */
  checkpoints(from: number, to: number): Promise<StoredCheckpoint[]>;
  /** Replaces the note of checkpoint `seq` by one carrying more signatures over the same text. */
  updateNote(seq: number, note: string): Promise<void>;

  /** The head of a tenant's log for the period starting at `periodStart`, if it has one. */
  headFor(tenantId: string, periodStart: string): Promise<StoredHead | undefined>;
  /** The head whose `[prev_tree_size, tree_size)` holds `leafIndex`, if sealed. */
  headCovering(tenantId: string, leafIndex: number): Promise<StoredHead | undefined>;
  /** The tenant's last head, if any. */
  lastHead(tenantId: string): Promise<StoredHead | undefined>;
  /** The tenant's heads with head index ≥ `after` (exclusive of `after` itself when given), oldest first, at most `limit`. */
  heads(tenantId: string, afterHeadIndex: number | undefined, limit: number): Promise<StoredHead[]>;
  headAt(headIndex: number): Promise<StoredHead | undefined>;

  /** The tree size each witness (by key name) last cosigned, as `putWitnessSize` kept it. */
  witnessSizes(): Promise<Record<string, number>>;
  putWitnessSize(witness: string, size: number): Promise<void>;

  /** Records a public key the log signs with, so that old receipts stay verifiable after a rotation. */
  putKey(jwk: EcPublicJwk & { kid: string }): Promise<void>;
  keys(): Promise<(EcPublicJwk & { kid: string })[]>;

  /**
   * Takes or renews the sealer lease for `holder` until `now + ttlMs`; false when
   * another holder's lease has not expired. A store that one process owns may
   * always grant it.
   */
  acquireSealLease(holder: string, now: number, ttlMs: number): Promise<boolean>;
  releaseSealLease(holder: string): Promise<void>;

  close(): Promise<void>;
}
