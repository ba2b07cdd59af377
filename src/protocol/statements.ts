import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalBytes } from './jcs.js';
import type { Checkpoint, CheckpointStatement, Receipt, ReceiptStatement, TenantHead, WireEvent } from './types.js';

export { sha256 };

/** `digest = SHA-256(C(event))` (§2). */
export function eventDigest(event: WireEvent | Record<string, unknown>): Uint8Array {
  return sha256(canonicalBytes(event));
}

/** The signed part of a receipt, exactly its seven fields (§3), whatever else the receipt carries. */
export function receiptStatementOf(receipt: ReceiptStatement): ReceiptStatement {
  return {
    v: receipt.v,
    tenant_id: receipt.tenant_id,
    event_id: receipt.event_id,
    digest_b64url: receipt.digest_b64url,
    received_at: receipt.received_at,
    key_id: receipt.key_id,
    signing_alg: receipt.signing_alg,
  };
}

/** `receipt_hash = SHA-256(C(statement))`: the message the receipt signature covers, and the tenant tree's leaf data. */
export function receiptHash(receipt: ReceiptStatement | Receipt): Uint8Array {
  return sha256(canonicalBytes(receiptStatementOf(receipt)));
}

export function tenantHeadOf(head: TenantHead): TenantHead {
  return {
    v: head.v,
    tenant_id: head.tenant_id,
    period_start: head.period_start,
    period_end: head.period_end,
    tree_size: head.tree_size,
    root_b64url: head.root_b64url,
  };
}

/** Leaf data of the global tree: `SHA-256(C(tenant head))` (§4). */
export function tenantHeadHash(head: TenantHead): Uint8Array {
  return sha256(canonicalBytes(tenantHeadOf(head)));
}

/** The signed part of a checkpoint: its ten statement fields (§4). */
export function checkpointStatementOf(checkpoint: CheckpointStatement | Checkpoint): CheckpointStatement {
  return {
    v: checkpoint.v,
    log_id: checkpoint.log_id,
    period_start: checkpoint.period_start,
    period_end: checkpoint.period_end,
    tree_size: checkpoint.tree_size,
    root_b64url: checkpoint.root_b64url,
    prev_b64url: checkpoint.prev_b64url,
    sealed_at: checkpoint.sealed_at,
    key_id: checkpoint.key_id,
    signing_alg: checkpoint.signing_alg,
  };
}

/** `SHA-256(C(checkpoint statement))`: what the next checkpoint's `prev_b64url` holds, and what its signature covers. */
export function checkpointHash(checkpoint: CheckpointStatement | Checkpoint): Uint8Array {
  return sha256(canonicalBytes(checkpointStatementOf(checkpoint)));
}

