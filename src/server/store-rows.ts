/**
 * Rows of the SQL stores (SQLite, PostgreSQL, Durable Object storage) as the Store
 * contract's objects: the three keep records and checkpoints under the same
 * column names, and differ only in how a BLOB and an integer arrive.
 */
import { SIGNING_ALG } from '../protocol/index.js';
import type { WireEvent } from '../protocol/index.js';
import type { StoredCheckpoint, StoredRecord } from './types.js';

export type Row = Record<string, unknown>;

/** A `records` row; `receiptHash` is its `receipt_hash` as a Uint8Array of its own (each driver gives BLOBs its own way). */
export function recordOfRow(row: Row, tenantId: string, receiptHash: Uint8Array): StoredRecord {
  return {
    event: JSON.parse(row.event_json as string) as WireEvent,
    eventJson: row.event_json as string,
    statement: {
      v: 1,
      tenant_id: tenantId,
      event_id: row.event_id as string,
      digest_b64url: row.digest as string,
      received_at: row.received_at as string,
      key_id: row.key_id as string,
      signing_alg: SIGNING_ALG,
    },
    trace_id: row.trace_id as string,
    signature_b64url: (row.signature as string | null) ?? null,
    receiptHash,
    leafIndex: Number(row.leaf_index), // PostgreSQL's bigint arrives as a string
  };
}

/** A `checkpoints` row. */
export function checkpointOfRow(row: Row | undefined): StoredCheckpoint | undefined {
  return (
    row && {
      seq: Number(row.seq),
      note: row.note as string,
      tree_size: Number(row.tree_size),
      period_start: row.period_start as string,
      period_end: row.period_end as string,
      sealed_at: row.sealed_at as string,
    }
  );
}
