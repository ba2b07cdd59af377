/**
 * A small signed log made by the test itself, byte for byte per PROTOCOL.md:
 * receipts, tenant trees and heads, a chain of signed checkpoints, and evidence
 * bundles, with a real P-256 key through WebCrypto. The CLI tests audit and
 * verify what this makes, and tamper with it.
 */
import {
  b64uEncode, canonicalBytes, checkpointHash, eventDigest, formatTime, rawToDer, receiptHash, SIGNING_ALG, tenantHeadHash,
} from '../../src/protocol/index.js';
import type { CheckpointV1, CheckpointStatementV1, EvidenceBundleV1, Receipt, ReceiptStatement, TenantHeadV1, WireEvent } from '../../src/protocol/index.js';
import { inclusionProof, merkleRoot } from '../../src/tlog/merkle.js';
import { generateKeyPair, type GeneratedKey } from '../../src/cli/keygen.js';

export interface PeriodSpec {
  /** ms since the epoch; periods must follow each other. */
  start: number;
  end: number;
  /** Receipts per tenant in this period. */
  tenants: Record<string, number>;
}

export interface Period {
  checkpoint: CheckpointV1;
  heads: TenantHeadV1[];
  /** Per tenant, receipts in leaf order, with their events. */
  receipts: Map<string, { event: WireEvent; receipt: Receipt }[]>;
}

export interface SignedLog {
  key: GeneratedKey;
  periods: Period[];
  checkpoints: CheckpointV1[];
  bundle(period: number, tenant: string, index: number): EvidenceBundleV1;
}

export interface MakeOptions {
  /** Sign each receipt (default true). Off only for large generated exports whose audit does not check receipt signatures. */
  signReceipts?: boolean;
  key?: GeneratedKey;
}

export async function makeSignedLog(specs: readonly PeriodSpec[], options: MakeOptions = {}): Promise<SignedLog> {
  const key = options.key ?? (await generateKeyPair());
  const privateKey = await crypto.subtle.importKey('jwk', key.privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const sign = async (statement: object) =>
    b64uEncode(rawToDer(new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, canonicalBytes(statement) as Uint8Array<ArrayBuffer>))));
  const periods: Period[] = [];
  let prev: CheckpointV1 | null = null;
  for (const spec of specs) {
    const [period_start, period_end] = [formatTime(spec.start), formatTime(spec.end)];
    const receipts = new Map<string, { event: WireEvent; receipt: Receipt }[]>();
    const heads: TenantHeadV1[] = [];
    for (const tenant of Object.keys(spec.tenants).sort()) {
      const n = spec.tenants[tenant]!;
      const list: { event: WireEvent; receipt: Receipt }[] = [];
      for (let i = 0; i < n; i++) {
        const event: WireEvent = { tenant_id: tenant, event_type: 'inference', event_id: `${tenant}-${spec.start}-${String(i).padStart(7, '0')}`, trace_id: `t${i}`, n: i };
        // Several receipts share a millisecond, so the event_id tie-break of the leaf order matters.
        const received = spec.start + Math.floor((i * (spec.end - spec.start)) / Math.max(1, n) / 3) * 3;
        const statement: ReceiptStatement = {
          v: 1, tenant_id: tenant, event_id: event.event_id, digest_b64url: b64uEncode(eventDigest(event)),
          received_at: formatTime(received), key_id: key.kid, signing_alg: SIGNING_ALG,
        };
        const signature_b64url = options.signReceipts === false ? 'MEUCIQ' : await sign(statement);
        list.push({ event, receipt: { ...statement, ok: true, trace_id: event.trace_id, signature_b64url } });
      }
      list.sort((a, b) => cmp(a.receipt.received_at, b.receipt.received_at) || cmp(a.receipt.event_id, b.receipt.event_id));
      receipts.set(tenant, list);
      if (n === 0) continue;
      const root = merkleRoot(list.map((r) => receiptHash(r.receipt)));
      heads.push({ v: 1, tenant_id: tenant, period_start, period_end, tree_size: n, root_b64url: b64uEncode(root) });
    }
    const statement: CheckpointStatementV1 = {
      v: 1, log_id: 'test-log', period_start, period_end, tree_size: heads.length,
      root_b64url: b64uEncode(merkleRoot(heads.map(tenantHeadHash))),
      prev_b64url: prev ? b64uEncode(checkpointHash(prev)) : null,
      sealed_at: period_end, key_id: key.kid, signing_alg: SIGNING_ALG,
    };
    prev = { ...statement, signature_b64url: await sign(statement) };
    periods.push({ checkpoint: prev, heads, receipts });
  }
  return {
    key,
    periods,
    checkpoints: periods.map((p) => p.checkpoint),
    bundle(p, tenant, index) {
      const period = periods[p]!;
      const list = period.receipts.get(tenant)!;
      const headIndex = period.heads.findIndex((h) => h.tenant_id === tenant);
      return {
        v: 1, status: 'sealed', event: list[index]!.event, receipt: list[index]!.receipt, tenant_head: period.heads[headIndex]!,
        inclusion: proof(index, list.map((r) => receiptHash(r.receipt))),
        tenant_inclusion: proof(headIndex, period.heads.map(tenantHeadHash)),
        checkpoint: period.checkpoint,
      };
    },
  };
}

function proof(index: number, leaves: Uint8Array[]) {
  return { leaf_index: index, tree_size: leaves.length, path_b64url: inclusionProof(index, leaves).map(b64uEncode) };
}

/** Bytewise order of ASCII strings (times and event ids here are ASCII). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An export as the server's /export writes it: one receipt per line. */
export function ndjson(receipts: readonly { receipt: Receipt }[]): string {
  return receipts.map((r) => JSON.stringify(r.receipt)).join('\n') + '\n';
}
