import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalBytes } from './jcs.js';
import type { CheckpointV1, CheckpointStatementV1, Receipt, ReceiptStatement, TenantHead, TenantHeadV1, WireEvent } from './types.js';

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

/** The hashed part of a tenant head: its six fields in v1 (PROTOCOL-v1.md §4), eight in v2 (§4.2). */
export function tenantHeadOf(head: TenantHeadV1): TenantHeadV1;
export function tenantHeadOf(head: TenantHead): TenantHead;
export function tenantHeadOf(head: TenantHeadV1 | TenantHead): TenantHeadV1 | TenantHead {
  const common = {
    tenant_id: head.tenant_id,
    period_start: head.period_start,
    period_end: head.period_end,
    tree_size: head.tree_size,
    root_b64url: head.root_b64url,
  };
  if (head.v === 1) return { v: 1, ...common };
  return { v: head.v, ...common, prev_tree_size: head.prev_tree_size, prev_head_index: head.prev_head_index };
}

/** `SHA-256(C(tenant head))`: the leaf data of the v1 global tree and of the v2 root log (§4.3). */
export function tenantHeadHash(head: TenantHeadV1 | TenantHead): Uint8Array {
  return sha256(canonicalBytes(tenantHeadOf(head as TenantHead)));
}

/** The signed part of a checkpoint: its ten statement fields (§4). */
export function checkpointStatementOf(checkpoint: CheckpointStatementV1 | CheckpointV1): CheckpointStatementV1 {
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
export function checkpointHash(checkpoint: CheckpointStatementV1 | CheckpointV1): Uint8Array {
  return sha256(canonicalBytes(checkpointStatementOf(checkpoint)));
}

