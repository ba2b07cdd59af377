/** Wire shapes of PROTOCOL.md. Wire data keeps its snake_case names. */

export type SigningAlg = 'ECDSA_SHA_256';
export const SIGNING_ALG: SigningAlg = 'ECDSA_SHA_256';

/** An event as sent and digested (§2): reserved fields plus the caller's payload at the top level. */
export interface WireEvent {
  tenant_id: string;
  event_type: string;
  event_id: string;
  trace_id: string;
  recorded_at?: string;
  policy_context?: Record<string, unknown>;
  data_provenance?: Record<string, unknown>;
  human_intervention?: Record<string, unknown>;
  model_context?: Record<string, unknown>;
  session_context?: Record<string, unknown>;
  performance_metrics?: Record<string, unknown>;
  [payloadField: string]: unknown;
}

/** What the server signs about an event (§3). */
export interface ReceiptStatement {
  v: 1;
  tenant_id: string;
  event_id: string;
  digest_b64url: string;
  received_at: string;
  key_id: string;
  signing_alg: SigningAlg;
}

export interface Receipt extends ReceiptStatement {
  ok: true;
  trace_id: string;
  signature_b64url: string;
  /** Present when the same event was stored before: this is the original receipt. */
  duplicate?: true;
}

export interface TenantHeadV1 {
  v: 1;
  tenant_id: string;
  period_start: string;
  period_end: string;
  tree_size: number;
  root_b64url: string;
}

export interface CheckpointStatementV1 {
  v: 1;
  log_id: string;
  period_start: string;
  period_end: string;
  /** Number of tenants (leaves of the global tree). */
  tree_size: number;
  root_b64url: string;
  prev_b64url: string | null;
  sealed_at: string;
  key_id: string;
  signing_alg: SigningAlg;
}

export interface CheckpointV1 extends CheckpointStatementV1 {
  signature_b64url: string;
}

export interface InclusionProofV1 {
  leaf_index: number;
  tree_size: number;
  path_b64url: string[];
}

/** §5: self-contained, verifiable offline with only a trusted public key. */
export interface EvidenceBundleV1 {
  v: 1;
  status: 'sealed' | 'pending';
  event: WireEvent;
  receipt: Receipt;
  tenant_head?: TenantHeadV1;
  inclusion?: InclusionProofV1;
  tenant_inclusion?: InclusionProofV1;
  checkpoint?: CheckpointV1;
}

// ---------------------------------------------------------------------------
// Version 2 (PROTOCOL.md §4–§6): tenant logs, a root log of tenant heads, and
// checkpoints as C2SP signed notes. Events and receipts are unchanged.

/** §4.2: what closing a period yields for a tenant whose log grew in it. */
export interface TenantHead {
  v: 2;
  tenant_id: string;
  period_start: string;
  period_end: string;
  /** Size of the tenant log at `period_end`: the entries with `received_at < period_end`. */
  tree_size: number;
  /** MTH of the first `tree_size` entries. */
  root_b64url: string;
  /** `tree_size` of the tenant's previous head, 0 for the first. */
  prev_tree_size: number;
  /** Root-log index of the previous head, null for the first. */
  prev_head_index: number | null;
}

/** An RFC 9162 proof cut to a tree size; the leaf index travels beside it (§6.1). */
export interface ProofWire {
  tree_size: number;
  path_b64url: string[];
}

/** §6.1: an RFC 9162 consistency proof from an earlier trusted checkpoint of `from_size`. */
export interface ConsistencyWire {
  from_size: number;
  path_b64url: string[];
}

/** §6.1: self-contained, verifiable offline with a pinned key or a C2SP policy. */
export interface EvidenceBundle {
  v: 2;
  status: 'sealed' | 'pending';
  origin: string;
  event: WireEvent;
  receipt: Receipt;
  /** Index of the receipt hash in the tenant log. */
  leaf_index: number;
  tenant_head?: TenantHead;
  /** receipt_hash at leaf_index → tenant_head.root_b64url. */
  inclusion?: ProofWire;
  /** Root-log index of the tenant head. */
  head_index?: number;
  /** SHA-256(C(tenant_head)) at head_index → the checkpoint's root. */
  head_inclusion?: ProofWire;
  /** The signed note, cosignatures included. */
  checkpoint?: string;
  consistency?: ConsistencyWire;
}

/** §6.2: line 1 of a period export. */
export interface ExportHeader {
  v: 2;
  kind: 'aegislog-export';
  origin: string;
  /** null for the open period (nothing to prove yet). */
  tenant_head: TenantHead | null;
  head_index: number | null;
  head_inclusion: ProofWire | null;
  prev_head: TenantHead | null;
  prev_head_index: number | null;
  prev_head_inclusion: ProofWire | null;
  /** The tenant log's frontier at `prev_tree_size`, largest subtree first. */
  frontier_b64url: string[];
  /** Both inclusions are to this checkpoint. */
  checkpoint: string;
}

/** §6.2: every line after the header. */
export type ExportLine = Receipt & { leaf_index: number; event?: WireEvent };

/** §6.3: one entry of `GET /checkpoints`. Only `note` is signed. */
export interface HistoryEntry {
  note: string;
  tree_size: number;
  period_start: string;
  period_end: string;
  sealed_at: string;
  /** RFC 9162 consistency proof from the previous entry's size; absent on the first entry. */
  consistency_b64url?: string[];
}

/** §6.3: an offline-verifiable checkpoint history. */
export interface CheckpointHistory {
  v: 2;
  origin: string;
  checkpoints: HistoryEntry[];
}

/** §5: one line of `/logs/<tenant_id>/heads`. */
export interface HeadLine {
  tenant_head: TenantHead;
  head_index: number;
}
