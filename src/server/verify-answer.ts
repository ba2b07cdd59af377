import { b64uDecode, b64uEncode, canonicalBytes, eventDigest, formatTime, receiptStatementOf, sha256, tenantHeadHash } from '../protocol/index.js';
import type { EcPublicJwk, EvidenceBundle } from '../protocol/index.js';
import { leafHash, verifyInclusion } from '../tlog/merkle.js';
import { importPublicKey, verifySignature } from '../verify/index.js';
import type { KeyInput } from '../verify/index.js';
import { verifyNote } from '../verify/notes.js';
import { complianceOf } from '../verify/compliance.js';

type Outcome = { status: 'passed' | 'failed' | 'skipped'; reason?: string };

/**
 * The `/verify` answer (PROTOCOL.md §8), shaped for the original Python SDK,
 * which reads `status`, `event`, `cryptographic_proof.kms_signature_valid`,
 * `merkle_linkage.global_root_hash`, `verified_at` and `compliance`. The server
 * checks its own evidence against its own keys: a convenience, not a proof; an
 * auditor verifies the bundle offline with a pinned key or policy.
 */
export function verifyAnswerer(now: () => number, vkeys: () => Promise<string>) {
  let cached: { ids: string; keys: KeyInput } | undefined;

  async function keysOf(jwks: (EcPublicJwk & { kid: string })[]): Promise<KeyInput> {
    const ids = jwks.map((k) => k.kid).join(' ');
    if (cached?.ids !== ids) cached = { ids, keys: await importPublicKey({ keys: jwks }) };
    return cached.keys;
  }

  return async function verifyAnswer(bundle: EvidenceBundle, jwks: (EcPublicJwk & { kid: string })[]) {
    const keys = await keysOf(jwks);
    const { checks, root } = await selfCheck(bundle, keys, (await vkeys()).trim().split('\n'));
    const passed = (...names: string[]) => names.every((name) => checks[name]?.status === 'passed');
    const sealed = bundle.status === 'sealed';
    const ok = Object.values(checks).every((c) => c.status !== 'failed');
    const { receipt, tenant_head: head } = bundle;
    return {
      status: !ok ? 'invalid' : sealed ? 'verified' : 'pending',
      event: bundle.event,
      receipt,
      cryptographic_proof: {
        kms_signature_valid: passed('receipt_signature'),
        digest_valid: passed('digest'),
        digest_b64url: receipt.digest_b64url,
        signature_b64url: receipt.signature_b64url,
        key_id: receipt.key_id,
        signing_alg: receipt.signing_alg,
        received_at: receipt.received_at,
      },
      merkle_linkage:
        sealed && head
          ? {
              period_start: head.period_start,
              period_end: head.period_end,
              leaf_index: bundle.leaf_index,
              tree_size: head.tree_size,
              tenant_root_hash: head.root_b64url,
              head_index: bundle.head_index,
              root_log_size: bundle.head_inclusion?.tree_size,
              global_root_hash: root === undefined ? null : b64uEncode(root),
              checkpoint_signature_valid: passed('checkpoint_signature'),
            }
          : null,
      compliance: complianceOf(bundle.event, receipt.received_at, {
        signature: passed('digest', 'receipt_signature'),
        sealed: sealed && passed('inclusion', 'head_inclusion', 'checkpoint_signature', 'period'),
      }),
      checks,
      verified_at: formatTime(now()),
    };
  };
}

/** The server's own look at a bundle it made: each check of §6.1 that its own keys can answer. */
async function selfCheck(bundle: EvidenceBundle, keys: KeyInput, vkeys: string[]): Promise<{ checks: Record<string, Outcome>; root?: Uint8Array }> {
  const run = async (body: () => Promise<boolean | string> | boolean | string): Promise<Outcome> => {
    try {
      const result = await body();
      return result === true ? { status: 'passed' } : { status: 'failed', reason: result === false ? 'does not verify' : result };
    } catch (error) {
      return { status: 'failed', reason: (error as Error).message };
    }
  };
  const { receipt } = bundle;
  const message = canonicalBytes(receiptStatementOf(receipt));
  const checks: Record<string, Outcome> = {
    digest: await run(() => b64uEncode(eventDigest(bundle.event)) === receipt.digest_b64url || 'the event does not hash to the receipt digest'),
    receipt_signature: await run(() => verifySignature({ key: keys, kid: receipt.key_id, signature: receipt.signature_b64url, message })),
  };
  if (bundle.status !== 'sealed') return { checks };
  const head = bundle.tenant_head!;
  const note = await verifyNote(bundle.checkpoint!, { logs: vkeys }, { origin: bundle.origin });
  checks.inclusion = await run(() =>
    verifyInclusion({
      leafHash: leafHash(sha256(message)),
      index: bundle.leaf_index,
      treeSize: head.tree_size,
      proof: bundle.inclusion!.path_b64url.map((p) => b64uDecode(p)),
      root: b64uDecode(head.root_b64url),
    }),
  );
  checks.period = await run(
    () => (receipt.received_at >= head.period_start && receipt.received_at < head.period_end && head.prev_tree_size <= bundle.leaf_index) || 'received_at or leaf_index outside the head',
  );
  checks.head_inclusion = await run(() =>
    note.checkpoint !== undefined &&
    verifyInclusion({
      leafHash: leafHash(tenantHeadHash(head)),
      index: bundle.head_index!,
      treeSize: note.checkpoint.size,
      proof: bundle.head_inclusion!.path_b64url.map((p) => b64uDecode(p)),
      root: note.checkpoint.root,
    }),
  );
  checks.checkpoint_signature = note.logSignature;
  return { checks, ...(note.checkpoint ? { root: note.checkpoint.root } : {}) };
}

