import { formatTime } from '../protocol/index.js';
import type { EcPublicJwk, EvidenceBundleV1 } from '../protocol/index.js';
import { importPublicKey, verifyEvidence } from '../verify/index.js';
import type { KeyInput } from '../verify/index.js';
import { complianceOf } from './compliance.js';

/**
 * The `/verify` answer (PROTOCOL.md §7), shaped for the original Python SDK,
 * which reads `status`, `event`, `cryptographic_proof.kms_signature_valid`,
 * `merkle_linkage.global_root_hash`, `verified_at` and `compliance`. The server
 * checks its own evidence with the offline verifier, against its own keys: a
 * convenience, not a proof; an auditor verifies the bundle with a pinned key.
 */
export function verifyAnswerer(now: () => number) {
  let cached: { ids: string; keys: KeyInput } | undefined;

  async function keysOf(jwks: (EcPublicJwk & { kid: string })[]): Promise<KeyInput> {
    const ids = jwks.map((k) => k.kid).join(' ');
    if (cached?.ids !== ids) cached = { ids, keys: await importPublicKey({ keys: jwks }) };
    return cached.keys;
  }

  return async function verifyAnswer(bundle: EvidenceBundleV1, jwks: (EcPublicJwk & { kid: string })[]) {
    const report = await verifyEvidence(bundle, { keys: await keysOf(jwks) });
    const passed = (...names: (keyof typeof report.checks)[]) => names.every((name) => report.checks[name]?.ok === true);
    const sealed = bundle.status === 'sealed';
    const signature = passed('digest', 'receipt_signature');
    const immutable = sealed && passed('inclusion', 'tenant_inclusion', 'checkpoint_signature', 'period');
    const { receipt, tenant_head: head, checkpoint } = bundle;
    return {
      status: !report.ok ? 'invalid' : sealed ? 'verified' : 'pending',
      event: bundle.event,
      receipt,
      cryptographic_proof: {
        kms_signature_valid: passed('receipt_signature'),
        digest_valid: passed('digest'),
        digest_b64url: receipt.digest_b64url,
        signature_b64url: receipt.signature_b64url,
        key_id: receipt.key_id,
        signing_alg: receipt.signing_alg,
      },
      merkle_linkage:
        sealed && head && checkpoint
          ? {
              period_start: checkpoint.period_start,
              period_end: checkpoint.period_end,
              leaf_index: bundle.inclusion?.leaf_index,
              tree_size: head.tree_size,
              tenant_root_hash: head.root_b64url,
              global_root_hash: checkpoint.root_b64url,
              checkpoint_signature_valid: passed('checkpoint_signature'),
            }
          : null,
      compliance: complianceOf(bundle.event, receipt.received_at, { signature, sealed: immutable }),
      checks: report.checks,
      verified_at: formatTime(now()),
    };
  };
}
