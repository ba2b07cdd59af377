import { b64uDecode } from '../protocol/base64url.js';
import { canonicalBytes } from '../protocol/jcs.js';
import { receiptStatementOf } from '../protocol/statements.js';
import type { Receipt } from '../protocol/types.js';
import { AegisLogHttpError, ErrorCode } from '../protocol/errors.js';
import { digestOf } from './receipt.js';

/**
 * What the client needs from `aegislog/verify`. This module is itself loaded
 * with a dynamic import, and loads the verifier the same way, so that neither
 * weighs on bundles that only record().
 */
interface Verifier {
  importPublicKey(input: unknown): Promise<unknown>;
  verifySignature(args: { key: unknown; signature: Uint8Array; message: Uint8Array }): Promise<boolean>;
}

let verifier: Promise<Verifier> | undefined;
const loadVerifier = () => (verifier ??= import('../verify/index.js') as unknown as Promise<Verifier>);

/** True when the receipt's signature (DER over `C(statement)`, PROTOCOL.md §3) verifies under one of the pinned keys. */
async function receiptSignatureValid(receipt: Receipt, publicKeys: unknown): Promise<boolean> {
  const v = await loadVerifier();
  const message = canonicalBytes(receiptStatementOf(receipt));
  const signature = b64uDecode(receipt.signature_b64url);
  for (const input of keyList(publicKeys)) {
    if (await v.verifySignature({ key: await v.importPublicKey(input), signature, message })) return true;
  }
  return false;
}

/** recordSync with `publicKeys`: a receipt that no pinned key signed is refused. */
export async function checkReceiptSignature(receipt: Receipt, publicKeys: unknown): Promise<void> {
  if (!(await receiptSignatureValid(receipt, publicKeys))) {
    throw new AegisLogHttpError(ErrorCode.ReceiptMismatch, `receipt signature of ${receipt.event_id} does not verify under the pinned public keys`, 200, { field: 'signature_b64url' });
  }
}

/** verify() with `publicKeys`: the evidence's event and receipt, checked here rather than taken from the server. */
export async function checkEvidence(bundle: unknown, publicKeys: unknown): Promise<{ receipt_signature: boolean; digest: boolean; key_id: string; reason?: string }> {
  const { event, receipt } = (bundle ?? {}) as { event?: unknown; receipt?: Receipt };
  if (!receipt || typeof receipt.signature_b64url !== 'string') return { receipt_signature: false, digest: false, key_id: '', reason: 'the evidence has no receipt' };
  const digest = event !== undefined && (await digestOf(event)) === receipt.digest_b64url;
  let signature = false;
  let reason: string | undefined;
  try {
    signature = await receiptSignatureValid(receipt, publicKeys);
    if (!signature) reason = 'the receipt signature does not verify under the pinned public keys';
  } catch (error) {
    reason = (error as Error).message;
  }
  if (!digest) reason ??= "the event's digest differs from the receipt's digest_b64url";
  return { receipt_signature: signature, digest, key_id: receipt.key_id, ...(reason ? { reason } : {}) };
}

/** A JWKS, a list, or one key (PEM, JWK, DER). */
function keyList(publicKeys: unknown): unknown[] {
  if (Array.isArray(publicKeys)) return publicKeys;
  const jwks = publicKeys as { keys?: unknown };
  return Array.isArray(jwks?.keys) ? jwks.keys : [publicKeys];
}
