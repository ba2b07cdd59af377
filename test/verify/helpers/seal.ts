/**
 * Seals periods the way PROTOCOL.md §3–§5 says, with a real P-256 key made in the
 * test through WebCrypto, so the verifier is exercised on evidence it did not sign.
 * (Trees come from the library's merkleRoot/inclusionProof, which merkle.shared.test.ts
 * checks against a naive RFC 9162 definition; the aegislog-v1 vectors cover the rest.)
 */
import {
  SIGNING_ALG, b64uEncode, canonicalBytes, checkpointHash, checkpointStatementOf, eventDigest, formatTime, jwkThumbprint,
  rawToDer, receiptHash, receiptStatementOf, tenantHeadHash,
  type CheckpointV1, type EvidenceBundleV1, type Receipt, type TenantHeadV1, type WireEvent,
} from '../../../src/protocol/index.js';
import { inclusionProof, merkleRoot } from '../../../src/tlog/merkle.js';
import { importPublicKey, type VerifyKey } from '../../../src/verify/index.js';

export interface Signer {
  kid: string;
  publicKey: CryptoKey;
  /** DER signature over `C(value)`, base64url, as KMS would return it. */
  sign(value: unknown): Promise<string>;
}

export async function makeSigner(kid?: string): Promise<Signer> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return {
    kid: kid ?? jwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }),
    publicKey: pair.publicKey,
    async sign(value) {
      const raw = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, canonicalBytes(value) as Uint8Array<ArrayBuffer>);
      return b64uEncode(rawToDer(new Uint8Array(raw)));
    },
  };
}

export const DAY = 86_400_000;
const PERIOD0 = Date.parse('2026-11-27T00:00:00.000Z');

export function makeEvent(tenant: string, i: number): WireEvent {
  return {
    tenant_id: tenant,
    event_type: 'model_inference',
    event_id: `evt-${tenant}-${String(i).padStart(5, '0')}`,
    trace_id: `trace-${i}`,
    prompt: `question ${i} — é 😀`,
    score: i / 7,
    model_context: { model_id: 'm', model_version: '1' },
  };
}

export async function makeReceipt(signer: Signer, event: WireEvent, receivedAt: number): Promise<Receipt> {
  const statement = {
    v: 1 as const, tenant_id: event.tenant_id, event_id: event.event_id, digest_b64url: b64uEncode(eventDigest(event)),
    received_at: formatTime(receivedAt), key_id: signer.kid, signing_alg: SIGNING_ALG,
  };
  return { ...statement, ok: true, trace_id: event.trace_id, signature_b64url: await signer.sign(receiptStatementOf(statement)) };
}

export interface SealedPeriod {
  checkpoint: CheckpointV1;
  heads: Map<string, TenantHeadV1>;
  /** Every receipt's bundle, by tenant, in leaf order. */
  bundles: Map<string, EvidenceBundleV1[]>;
}

/**
 * One period (`index` days after 2026-11-27) with `sizes[tenant]` receipts each,
 * received in the period in leaf order, sealed into a checkpoint chained to `prev`.
 */
export async function sealPeriod(signer: Signer, sizes: Record<string, number>, index = 0, prev: CheckpointV1 | null = null): Promise<SealedPeriod> {
  const start = PERIOD0 + index * DAY;
  const period = { period_start: formatTime(start), period_end: formatTime(start + DAY) };
  const tenants = Object.keys(sizes).sort(); // bytewise for these ASCII names
  const perTenant = new Map<string, { events: WireEvent[]; receipts: Receipt[]; head: TenantHeadV1 }>();
  for (const tenant of tenants) {
    const events = Array.from({ length: sizes[tenant]! }, (_, i) => makeEvent(tenant, i));
    const receipts = await Promise.all(events.map((e, i) => makeReceipt(signer, e, start + 1000 + i * 997)));
    const root = merkleRoot(receipts.map(receiptHash));
    const head: TenantHeadV1 = { v: 1, tenant_id: tenant, ...period, tree_size: receipts.length, root_b64url: b64uEncode(root) };
    perTenant.set(tenant, { events, receipts, head });
  }
  const headHashes = tenants.map((t) => tenantHeadHash(perTenant.get(t)!.head));
  const statement = checkpointStatementOf({
    v: 1, log_id: 'test-log', ...period, tree_size: tenants.length, root_b64url: b64uEncode(merkleRoot(headHashes)),
    prev_b64url: prev ? b64uEncode(checkpointHash(prev)) : null, sealed_at: formatTime(start + DAY), key_id: signer.kid, signing_alg: SIGNING_ALG,
  });
  const checkpoint: CheckpointV1 = { ...statement, signature_b64url: await signer.sign(statement) };
  const bundles = new Map<string, EvidenceBundleV1[]>();
  const heads = new Map<string, TenantHeadV1>();
  tenants.forEach((tenant, t) => {
    const { events, receipts, head } = perTenant.get(tenant)!;
    heads.set(tenant, head);
    const leaves = receipts.map(receiptHash);
    const tenant_inclusion = { leaf_index: t, tree_size: tenants.length, path_b64url: inclusionProof(t, headHashes).map(b64uEncode) };
    bundles.set(tenant, receipts.map((receipt, i) => ({
      v: 1, status: 'sealed', event: events[i]!, receipt, tenant_head: head,
      inclusion: { leaf_index: i, tree_size: leaves.length, path_b64url: inclusionProof(i, leaves).map(b64uEncode) },
      tenant_inclusion, checkpoint,
    })));
  });
  return { checkpoint, heads, bundles };
}

/** A pending bundle (§5): event and receipt only. */
export function pendingOf(bundle: EvidenceBundleV1): EvidenceBundleV1 {
  return { v: 1, status: 'pending', event: bundle.event, receipt: bundle.receipt };
}

/** One sealed period of `count` receipts of tenant acme, signed by a fresh key: the key to verify with, acme's first bundle, its receipts. */
export async function sealedAcme(count: number): Promise<{ key: VerifyKey; bundle: EvidenceBundleV1; receipts: Receipt[] }> {
  const signer = await makeSigner();
  const key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const bundles = (await sealPeriod(signer, { acme: count })).bundles.get('acme')!;
  return { key, bundle: bundles[0]!, receipts: bundles.map((b) => b.receipt) };
}
