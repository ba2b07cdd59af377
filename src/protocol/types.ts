/** Wire shapes of PROTOCOL.md. Wire data keeps its snake_case names. */

export const SIGNING_ALG = 'ECDSA_SHA_256' as const;
export type SigningAlg = typeof SIGNING_ALG;

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

export interface TenantHead {
  v: 1;
  tenant_id: string;
  period_start: string;
  period_end: string;
  tree_size: number;
  root_b64url: string;
}

export interface CheckpointStatement {
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

export interface Checkpoint extends CheckpointStatement {
  signature_b64url: string;
}

export interface InclusionProofWire {
  leaf_index: number;
  tree_size: number;
  path_b64url: string[];
}

/** §5: self-contained, verifiable offline with only a trusted public key. */
export interface EvidenceBundle {
  v: 1;
  status: 'sealed' | 'pending';
  event: WireEvent;
  receipt: Receipt;
  tenant_head?: TenantHead;
  inclusion?: InclusionProofWire;
  tenant_inclusion?: InclusionProofWire;
  checkpoint?: Checkpoint;
}
