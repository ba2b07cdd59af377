import { importPublicKey, verifyEvidence, type EvidenceReport, type KeyInput } from '../verify/index.js';

// Checks against the pinned `publicKeys`, by `aegislog/verify`. This module is a dynamic import of
// the client: only clients that pin keys and call recordSync or verify load it and the verifier.
// It imports nothing else, so that bundlers keep the verifier out of the chunks record() needs.

const keyCache = new WeakMap<object, Promise<KeyInput>>();

/** The pinned keys imported once per options object: PEM, JWK, JWKS, or a list of those. */
export function importKeys(publicKeys: unknown): Promise<KeyInput> {
  const load = () => (Array.isArray(publicKeys) ? Promise.all(publicKeys.map((k) => importPublicKey(k))) : importPublicKey(publicKeys));
  if (typeof publicKeys !== 'object' || publicKeys === null) return load();
  let keys = keyCache.get(publicKeys);
  if (!keys) keyCache.set(publicKeys, (keys = load()));
  return keys;
}

/** An evidence bundle checked here, by name: digest and receipt_signature, and the Merkle checks once sealed. */
export async function checkEvidence(bundle: unknown, publicKeys: unknown): Promise<EvidenceReport> {
  return verifyEvidence(bundle, { keys: await importKeys(publicKeys) });
}

/** Why the receipt does not verify under the pinned key that its key_id names, or undefined when it does. */
export async function receiptSignatureFailure(event: unknown, receipt: unknown, publicKeys: unknown): Promise<string | undefined> {
  // A pending bundle is exactly an event and its receipt: its receipt_signature check is the one wanted.
  const report = await checkEvidence({ v: 1, status: 'pending', event, receipt }, publicKeys);
  const check = report.checks.receipt_signature;
  return check?.ok ? undefined : (check?.reason ?? 'the receipt signature was not checked');
}
