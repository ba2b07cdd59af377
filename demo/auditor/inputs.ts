// Sorts whatever the auditor drops or pastes into the evidence kinds of
// PROTOCOL.md: bundles (§5), receipts (one per line of a period export, §7),
// checkpoints (§4, from GET /checkpoints) and proven tenant heads (GET /head).
import type { CheckpointV1, EvidenceBundleV1, InclusionProofV1, Receipt, TenantHeadV1 } from '../../src/protocol/index.js';

/** A tenant head with its proof up to the signed checkpoint, as GET /head answers (a bare head proves nothing). */
export interface HeadProof {
  tenant_head: TenantHeadV1;
  tenant_inclusion: InclusionProofV1;
  checkpoint: CheckpointV1;
}

export type EvidenceItem =
  | { kind: 'bundle'; value: EvidenceBundleV1; source: string }
  | { kind: 'receipt'; value: Receipt; source: string }
  | { kind: 'checkpoint'; value: CheckpointV1; source: string }
  | { kind: 'head'; value: HeadProof; source: string };

export interface ParseResult {
  items: EvidenceItem[];
  /** One line per value that is not evidence, naming where it came from. */
  problems: string[];
}

/** Reads one file's or one paste's text: a JSON value (object or array) or NDJSON. */
export function parseEvidenceText(text: string, source: string): ParseResult {
  const result: ParseResult = { items: [], problems: [] };
  const trimmed = text.trim();
  if (trimmed === '') {
    result.problems.push(`${source}: empty`);
    return result;
  }
  let whole: unknown;
  let isWhole = true;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    isWhole = false;
  }
  if (isWhole) {
    collect(whole, source, result);
    return result;
  }
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${source} line ${index + 1}`;
    try {
      collect(JSON.parse(line), where, result);
    } catch {
      result.problems.push(`${where}: not JSON`);
    }
  });
  return result;
}

function collect(value: unknown, source: string, out: ParseResult): void {
  if (Array.isArray(value)) {
    value.forEach((entry, index) => collect(entry, `${source} [${index}]`, out));
    return;
  }
  if (!isObject(value)) {
    out.problems.push(`${source}: not an object`);
    return;
  }
  // Wrappers: {"checkpoints":[...]}, {"receipts":[...]}, {"bundles":[...]}.
  for (const key of ['checkpoints', 'receipts', 'bundles'] as const) {
    if (Array.isArray(value[key]) && !('v' in value)) {
      collect(value[key], `${source} ${key}`, out);
      return;
    }
  }
  const kind = classify(value);
  if (kind) out.items.push({ kind, value, source } as unknown as EvidenceItem);
  else out.problems.push(`${source}: not an evidence bundle, receipt, checkpoint or proven tenant head`);
}

function classify(value: Record<string, unknown>): EvidenceItem['kind'] | undefined {
  if (isObject(value.event) && isObject(value.receipt)) return 'bundle';
  if (typeof value.log_id === 'string' && 'prev_b64url' in value) return 'checkpoint';
  if (typeof value.digest_b64url === 'string' && typeof value.signature_b64url === 'string') return 'receipt';
  if (isObject(value.tenant_head) && isObject(value.tenant_inclusion) && isObject(value.checkpoint)) return 'head';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The identity of an item, so that loading the same file twice does not double it. */
export function itemKey(item: EvidenceItem): string {
  switch (item.kind) {
    case 'bundle':
      return `bundle:${item.value.receipt.tenant_id}:${item.value.receipt.event_id}:${item.value.status}`;
    case 'receipt':
      return `receipt:${item.value.tenant_id}:${item.value.event_id}`;
    case 'checkpoint':
      return `checkpoint:${item.value.log_id}:${item.value.period_start}`;
    case 'head':
      return `head:${item.value.tenant_head.tenant_id}:${item.value.tenant_head.period_start}`;
  }
}
