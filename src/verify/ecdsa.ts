/**
 * ECDSA P-256 / SHA-256 verification (PROTOCOL.md §1). One WebCrypto path where
 * the runtime has it and the message is at hand; @noble/curves otherwise, and
 * whenever only a digest is given (WebCrypto cannot verify a prehashed digest).
 * High-S signatures are valid: KMS does not normalise `s`.
 */
import { p256 } from '@noble/curves/nist.js';
import { AegisLogError, b64uDecode, checkRawSignature, derToRaw, sha256 } from '../protocol/index.js';
import { flattenKeysAt, type KeyInput, type VerifyKey } from './keys.js';

/** `webcrypto` falls back to noble where `crypto.subtle` is missing; `noble` forces the pure-JS path (tests, audits of the fallback). */
export type Backend = 'webcrypto' | 'noble';

export interface VerifySignatureInput {
  /** One key, or several with `kid` naming the signer. */
  key: KeyInput;
  kid?: string;
  /** Bytes, or base64url text as on the wire. */
  signature: Uint8Array | string;
  /** `der` (the wire's ECDSA-Sig-Value, the default) or `raw` r‖s (64 bytes, IEEE P1363, what WebCrypto produces). */
  format?: 'der' | 'raw';
  /** The signed bytes (`C(statement)`); give this or `digest`. */
  message?: Uint8Array;
  /** SHA-256 of the signed bytes (what KMS signs with MessageType=DIGEST). */
  digest?: Uint8Array;
  backend?: Backend;
}

/**
 * True when `signature` is a valid signature by the key. A signature that is not
 * one, including one that is not strict DER or whose r or s is out of range, gives
 * `false`; a missing key or a malformed message/digest argument throws `AegisLogError`.
 */
export async function verifySignature(input: VerifySignatureInput): Promise<boolean> {
  return (await signatureFailure(input)) === undefined;
}

/** Why the signature does not verify, or undefined when it does (argument errors throw as in `verifySignature`). */
export async function signatureFailure(input: VerifySignatureInput): Promise<string | undefined> {
  input ??= {} as VerifySignatureInput; // no input at all: no key, said as for a missing key, not a TypeError
  const keys = flattenKeysAt(input.key, 'key');
  if (keys.some((k) => typeof k !== 'object' || k === null)) {
    throw new AegisLogError('ERR_KEY_INVALID', 'key must come from importPublicKey', { field: 'key' });
  }
  const key = selectKey(keys, input.kid);
  if (!key) {
    throw new AegisLogError('ERR_KEY_INVALID', input.kid === undefined ? 'several keys and no kid to choose one' : `no key with kid "${input.kid}"`, { field: 'kid' });
  }
  if (!(key.point instanceof Uint8Array) || key.point.length !== 65) {
    throw new AegisLogError('ERR_KEY_INVALID', 'key must come from importPublicKey', { field: 'key' });
  }
  const { message, digest } = input;
  if ((message === undefined) === (digest === undefined)) {
    throw new AegisLogError('ERR_SIGNATURE_FORMAT', 'give exactly one of message and digest', { field: 'message' });
  }
  if (message !== undefined && !(message instanceof Uint8Array)) {
    throw new AegisLogError('ERR_SIGNATURE_FORMAT', 'message must be a Uint8Array', { field: 'message' });
  }
  if (digest !== undefined && !(digest instanceof Uint8Array && digest.length === 32)) {
    throw new AegisLogError('ERR_HASH_LENGTH', 'digest must be a 32-byte SHA-256', { field: 'digest' });
  }
  let raw: Uint8Array;
  try {
    raw = decodeSignature(input.signature, input.format ?? 'der');
  } catch (error) {
    return error instanceof AegisLogError ? error.message : 'signature cannot be read';
  }
  const valid =
    message !== undefined && input.backend !== 'noble' && key.cryptoKey
      ? await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.cryptoKey, raw as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)
      : nobleVerify(raw, digest ?? sha256(message!), key.point);
  return valid ? undefined : `signature does not verify under key "${key.kid}"`;
}

/**
 * The key that signed under `kid`. With no match and exactly one key, that key:
 * an auditor who pinned one key verifies with it whatever name the signer used
 * (a KMS key's ARN is not a PEM's thumbprint); the signature decides.
 */
export function selectKey(keys: readonly VerifyKey[], kid: string | undefined): VerifyKey | undefined {
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null)) {
    throw new AegisLogError('ERR_KEY_INVALID', 'keys must be an array of keys from importPublicKey', { field: 'keys' });
  }
  return keys.find((k) => k.kid === kid) ?? (keys.length === 1 ? keys[0] : undefined);
}

function decodeSignature(signature: Uint8Array | string, format: 'der' | 'raw'): Uint8Array {
  const bytes = typeof signature === 'string' ? b64uDecode(signature, 'signature') : signature;
  if (!(bytes instanceof Uint8Array)) throw new AegisLogError('ERR_SIGNATURE_FORMAT', 'signature must be bytes or base64url text');
  if (format === 'der') return derToRaw(bytes);
  if (format !== 'raw') throw new AegisLogError('ERR_SIGNATURE_FORMAT', `unknown signature format "${String(format)}"`);
  checkRawSignature(bytes);
  return bytes;
}

function nobleVerify(raw: Uint8Array, digest: Uint8Array, point: Uint8Array): boolean {
  try {
    // noble's defaults (lowS: true, prehash: true) would refuse valid KMS signatures or hash twice.
    return p256.verify(raw, digest, point, { format: 'compact', lowS: false, prehash: false });
  } catch {
    return false;
  }
}
