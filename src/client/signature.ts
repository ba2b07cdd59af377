import { AegisLogHttpError, ErrorCode } from '../protocol/errors.js';
import { canonicalBytes } from '../protocol/jcs.js';
import { receiptStatementOf } from '../protocol/statements.js';
import type { Receipt } from '../protocol/types.js';
import type { EvidenceReport, KeyInput } from '../verify/index.js';

// Local checks against the pinned `publicKeys`, through `aegislog/verify`. The
// verifier is a dynamic import: only clients that pin keys and call recordSync
// or verify ever load it.

const keyCache = new WeakMap<object, Promise<KeyInput>>();

/** The pinned keys imported once per options object: PEM, JWK, JWKS, or a list of those. */
async function importKeys(publicKeys: unknown): Promise<KeyInput> {
  const { importPublicKey } = await import('../verify/index.js');
  const load = () => (Array.isArray(publicKeys) ? Promise.all(publicKeys.map((k) => importPublicKey(k))) : importPublicKey(publicKeys));
  if (typeof publicKeys !== 'object' || publicKeys === null) return load();
  let keys = keyCache.get(publicKeys);
  if (!keys) keyCache.set(publicKeys, (keys = load()));
  return keys;
}

/** recordSync with `publicKeys`: a receipt that the key it names (`key_id`) did not sign is refused. */
export async function checkReceiptSignature(receipt: Receipt, publicKeys: unknown): Promise<void> {
  const { verifySignature } = await import('../verify/index.js');
  const valid = await verifySignature({
    key: await importKeys(publicKeys),
    kid: receipt.key_id,
    signature: receipt.signature_b64url,
    message: canonicalBytes(receiptStatementOf(receipt)),
  });
  if (!valid) {
    throw new AegisLogHttpError(ErrorCode.ReceiptMismatch, `the receipt of ${receipt.event_id} is not signed by the pinned key ${receipt.key_id}`, 200, { field: 'signature_b64url' });
  }
}

/** verify() with `publicKeys`: the evidence bundle checked here, by name (digest, receipt_signature, and the Merkle checks once sealed). */
export async function checkEvidence(bundle: unknown, publicKeys: unknown): Promise<EvidenceReport> {
  const { verifyEvidence } = await import('../verify/index.js');
  return verifyEvidence(bundle, { keys: await importKeys(publicKeys) });
}
