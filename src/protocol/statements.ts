import { sha256 } from '@noble/hashes/sha2.js';
import { AegisLogValidationError } from './errors.js';
import { canonicalBytes, isWellFormed } from './jcs.js';
import type { CheckpointV1, CheckpointStatementV1, Receipt, ReceiptStatement, TenantHead, TenantHeadV1, WireEvent } from './types.js';

export { sha256 };

// The members each statement hashes. JCS drops an undefined member, so one missing would hash a shorter
// statement than the protocol signs: refused instead, with a loop over these arrays (no allocation per call).
const RECEIPT_MEMBERS = ['v', 'tenant_id', 'event_id', 'digest_b64url', 'received_at', 'key_id', 'signing_alg'] as const;
const HEAD_V1_MEMBERS = ['v', 'tenant_id', 'period_start', 'period_end', 'tree_size', 'root_b64url'] as const;
const HEAD_V2_MEMBERS = [...HEAD_V1_MEMBERS, 'prev_tree_size', 'prev_head_index'] as const;
const CHECKPOINT_MEMBERS = ['v', 'log_id', 'period_start', 'period_end', 'tree_size', 'root_b64url', 'prev_b64url', 'sealed_at', 'key_id', 'signing_alg'] as const;

/** Throws ERR_SCHEMA_INVALID naming the first of `members` that `o` lacks (undefined counts as absent; null is a value). */
function requireMembers(o: object, members: readonly string[], name: string): void {
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    if ((o as Record<string, unknown>)[member] === undefined) {
      throw new AegisLogValidationError('ERR_SCHEMA_INVALID', `${name}.${member} is required`, `${name}.${member}`);
    }
  }
}

/** `digest = SHA-256(C(event))` (§2). */
export function eventDigest(event: WireEvent | Record<string, unknown>): Uint8Array {
  return sha256(canonicalBytes(event));
}

/** The signed part of a receipt, exactly its seven fields (§3), whatever else the receipt carries. */
export function receiptStatementOf(receipt: ReceiptStatement): ReceiptStatement {
  if (typeof receipt !== 'object' || receipt === null) throw notObject('receipt');
  requireMembers(receipt, RECEIPT_MEMBERS, 'receipt');
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

const utf8 = new TextEncoder();

/**
 * `C(statement)` of a receipt statement, written as its fixed template: seven
 * members in JCS order, each string as JSON.stringify writes it, which is RFC 8785's
 * form for any well-formed string. A statement that does not fit the template (a
 * field that is not a string, a lone surrogate) takes the general canonicalizer,
 * which refuses it with its error. The server writes two of these per receipt.
 */
export function statementBytes(statement: ReceiptStatement): Uint8Array {
  const { digest_b64url: d, event_id: e, key_id: k, received_at: t, tenant_id: n, v, signing_alg: a } = statement;
  const fits = v === 1 && a === 'ECDSA_SHA_256' && [d, e, k, t, n].every((s) => typeof s === 'string' && isWellFormed(s));
  if (!fits) return canonicalBytes(receiptStatementOf(statement));
  return utf8.encode(
    `{"digest_b64url":${JSON.stringify(d)},"event_id":${JSON.stringify(e)},"key_id":${JSON.stringify(k)},"received_at":${JSON.stringify(t)},"signing_alg":"ECDSA_SHA_256","tenant_id":${JSON.stringify(n)},"v":1}`,
  );
}

/** `receipt_hash = SHA-256(C(statement))`: the message the receipt signature covers, and the tenant tree's leaf data. */
export function receiptHash(receipt: ReceiptStatement | Receipt): Uint8Array {
  return sha256(canonicalBytes(receiptStatementOf(receipt)));
}

/** The hashed part of a tenant head: its six fields in v1 (PROTOCOL-v1.md §4), eight in v2 (§4.2). */
export function tenantHeadOf(head: TenantHeadV1): TenantHeadV1;
export function tenantHeadOf(head: TenantHead): TenantHead;
export function tenantHeadOf(head: TenantHeadV1 | TenantHead): TenantHeadV1 | TenantHead {
  if (typeof head !== 'object' || head === null) throw notObject('head');
  requireMembers(head, head.v === 1 ? HEAD_V1_MEMBERS : HEAD_V2_MEMBERS, 'head');
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
  if (typeof checkpoint !== 'object' || checkpoint === null) throw notObject('checkpoint');
  requireMembers(checkpoint, CHECKPOINT_MEMBERS, 'checkpoint');
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

function notObject(field: string): AegisLogValidationError {
  return new AegisLogValidationError('ERR_SCHEMA_INVALID', `${field} must be an object`, field);
}
