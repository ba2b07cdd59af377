import { AegisLogError, rawToDer } from '../../protocol/index.js';
import type { Signer } from '../types.js';
import { EC_P256, publishedJwk, thumbprintOf } from './keys.js';

export interface LocalSignerOptions {
  /** A P-256 ECDSA key pair; its public key must be extractable. Without one, a new key is made (lost at exit). */
  keyPair?: CryptoKeyPair;
  /** A private P-256 JWK (with `d`), as `generateSigningJwk` makes it. */
  privateJwk?: JsonWebKey;
}

/** A new extractable P-256 private key as JWK, for keeping in a file or a secret store. */
export async function generateSigningJwk(): Promise<JsonWebKey> {
  const pair = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  return crypto.subtle.exportKey('jwk', pair.privateKey);
}

/**
 * ECDSA P-256 through WebCrypto. `key_id` is the RFC 7638 thumbprint (§6).
 * WebCrypto signs `SHA-256(message)` and returns raw r‖s; receipts carry DER,
 * as KMS returns it, so both signers look alike on the wire.
 */
export async function localSigner(options: LocalSignerOptions = {}): Promise<Signer> {
  let privateKey: CryptoKey;
  let publicJwk: JsonWebKey;
  if (options.privateJwk) {
    const { kty, crv, x, y, d } = checkedPrivateJwk(options.privateJwk);
    try {
      privateKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, EC_P256, false, ['sign']);
    } catch (cause) {
      throw badPrivateJwk(`is not a P-256 key pair WebCrypto takes: ${(cause as Error).message}`, cause);
    }
    publicJwk = { kty, crv, x, y };
  } else if (options.keyPair) {
    ({ privateKey, publicJwk } = await checkedKeyPair(options.keyPair));
  } else {
    const pair = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
    privateKey = pair.privateKey;
    publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  }
  const keyId = thumbprintOf(publicJwk);
  const published = publishedJwk(publicJwk, keyId);
  return {
    keyId,
    async sign(message) {
      const raw = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message as Uint8Array<ArrayBuffer>);
      return rawToDer(new Uint8Array(raw));
    },
    async publicJwk() {
      return published;
    },
  };
}

/**
 * `keyPair` when it is a P-256 ECDSA pair whose public key is extractable and whose private key signs what the
 * public one verifies (halves of two keys would sign every receipt under a key_id nothing verifies); else
 * ERR_KEY_INVALID naming it, as `privateJwk` is refused.
 */
async function checkedKeyPair(pair: CryptoKeyPair): Promise<{ privateKey: CryptoKey; publicJwk: JsonWebKey }> {
  const bad = (what: string, cause?: unknown) =>
    new AegisLogError('ERR_KEY_INVALID', `keyPair ${what}`, { field: 'keyPair', ...(cause === undefined ? {} : { cause }) });
  let publicJwk: JsonWebKey;
  try {
    publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  } catch (cause) {
    throw bad(`has no extractable public key: ${(cause as Error).message}`, cause);
  }
  if (publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256') throw bad('must be a P-256 ECDSA key pair');
  const { kty, crv, x, y } = publicJwk;
  try {
    const probe = new TextEncoder().encode('aegislog keyPair probe');
    const verifier = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, EC_P256, false, ['verify']);
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, probe);
    if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verifier, signature, probe))) throw new Error('its private key is not the private key of its public key');
  } catch (cause) {
    throw bad(`is not a P-256 ECDSA key pair that signs: ${(cause as Error).message}`, cause);
  }
  return { privateKey: pair.privateKey, publicJwk };
}

/** A refusal of `privateJwk`, as every key option of the library is refused. */
export function badPrivateJwk(what: string, cause?: unknown): AegisLogError {
  return new AegisLogError('ERR_KEY_INVALID', `privateJwk ${what}`, { field: 'privateJwk', ...(cause === undefined ? {} : { cause }) });
}

/** `privateJwk` when it is a private P-256 JWK (`kty` EC, `crv` P-256, `x`, `y` and `d`); else ERR_KEY_INVALID naming it. */
export function checkedPrivateJwk(jwk: unknown): JsonWebKey & { x: string; y: string; d: string } {
  const key = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as JsonWebKey;
  if (key.kty !== 'EC' || key.crv !== 'P-256') throw badPrivateJwk('must be a P-256 key (kty "EC", crv "P-256")');
  if (typeof key.x !== 'string' || typeof key.y !== 'string') throw badPrivateJwk('has no public part (x, y)');
  if (typeof key.d !== 'string') throw badPrivateJwk('has no private part (d): it is a public key');
  return key as JsonWebKey & { x: string; y: string; d: string };
}
