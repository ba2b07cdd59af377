// Evidence for the verifier benchmark, made with a real P-256 key (WebCrypto) and the
// built protocol functions. Only what a measure checks is signed: signing a million
// receipts would take minutes, and the period audit (verifySignatures: false) checks
// their hashes against the signed head, not their signatures.
import {
  SIGNING_ALG, b64uEncode, canonicalBytes, eventDigest, formatTime, inclusionProof, jwkThumbprint,
  merkleRoot, rawToDer, receiptHash, tenantHeadHash,
} from '../../dist/esm/verify.js';

export const PERIOD_START = Date.parse('2026-11-27T00:00:00.000Z');
export const PERIOD_END = PERIOD_START + 86_400_000;

export async function makeKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const kid = jwkThumbprint(jwk);
  const signRaw = async (bytes) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, bytes));
  return { pair, kid, signRaw, sign: async (value) => b64uEncode(rawToDer(await signRaw(canonicalBytes(value)))) };
}

/** Receipt statements of one tenant, in leaf order, `received_at` spread over the period. */
export function receiptStatements(tenant, n, kid) {
  const step = Math.max(1, Math.floor((PERIOD_END - PERIOD_START - 1) / n));
  const digest = new Uint8Array(32);
  return Array.from({ length: n }, (_, i) => {
    digest[0] = i & 255;
    digest[1] = (i >> 8) & 255;
    digest[2] = (i >> 16) & 255;
    return {
      v: 1, tenant_id: tenant, event_id: `evt-${String(i).padStart(8, '0')}`, digest_b64url: b64uEncode(digest),
      received_at: formatTime(PERIOD_START + i * step), key_id: kid, signing_alg: SIGNING_ALG,
    };
  });
}

/** One sealed bundle: leaf `index` of a tenant tree of `size`, its tenant the 17th of 40 in the checkpoint. */
export async function sealedBundle(key, size = 1000, index = 517) {
  const event = { tenant_id: 'acme.eu', event_type: 'model_inference', event_id: 'evt-00000517', trace_id: 'tr-1', prompt: 'héllo', score: 0.5 };
  const statements = receiptStatements('acme.eu', size, key.kid);
  statements[index] = { ...statements[index], event_id: event.event_id, digest_b64url: b64uEncode(eventDigest(event)) };
  const receipt = { ...statements[index], ok: true, trace_id: event.trace_id, signature_b64url: await key.sign(statements[index]) };
  const leaves = statements.map(receiptHash);
  const period = { period_start: formatTime(PERIOD_START), period_end: formatTime(PERIOD_END) };
  const tenant_head = { v: 1, tenant_id: 'acme.eu', ...period, tree_size: size, root_b64url: b64uEncode(merkleRoot(leaves)) };
  const heads = Array.from({ length: 40 }, (_, t) => (t === 16 ? tenantHeadHash(tenant_head) : new Uint8Array(32).fill(t)));
  const statement = {
    v: 1, log_id: 'bench', ...period, tree_size: heads.length, root_b64url: b64uEncode(merkleRoot(heads)), prev_b64url: null,
    sealed_at: period.period_end, key_id: key.kid, signing_alg: SIGNING_ALG,
  };
  const checkpoint = { ...statement, signature_b64url: await key.sign(statement) };
  return {
    v: 1, status: 'sealed', event, receipt, tenant_head,
    inclusion: { leaf_index: index, tree_size: size, path_b64url: inclusionProof(index, leaves).map(b64uEncode) },
    tenant_inclusion: { leaf_index: 16, tree_size: heads.length, path_b64url: inclusionProof(16, heads).map(b64uEncode) },
    checkpoint,
  };
}

/**
 * A one-tenant period sealed for real: the tenant head over `leaves` (receipt hashes in leaf
 * order), its (empty) proof into a one-leaf global tree, and the signed checkpoint. This is
 * what GET /head answers, and what auditPeriod and `aegislog audit --head` prove receipts against.
 */
export async function signedPeriodHead(key, tenant, leaves) {
  const tenant_head = {
    v: 1, tenant_id: tenant, period_start: formatTime(PERIOD_START), period_end: formatTime(PERIOD_END), tree_size: leaves.length,
    root_b64url: b64uEncode(merkleRoot(leaves)),
  };
  const statement = {
    v: 1, log_id: 'bench', period_start: tenant_head.period_start, period_end: tenant_head.period_end, tree_size: 1,
    root_b64url: b64uEncode(merkleRoot([tenantHeadHash(tenant_head)])), prev_b64url: null, sealed_at: tenant_head.period_end,
    key_id: key.kid, signing_alg: SIGNING_ALG,
  };
  return {
    tenant_head,
    tenant_inclusion: { leaf_index: 0, tree_size: 1, path_b64url: [] },
    checkpoint: { ...statement, signature_b64url: await key.sign(statement) },
  };
}
