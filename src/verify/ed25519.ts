/**
 * Ed25519 (RFC 8032) for notes and cosignatures: WebCrypto where the runtime
 * has it (Node 20, Chromium, workerd), @noble/curves otherwise. Both paths give
 * the same answer on every input: keys must be canonical points of large order
 * (checked once, here), signatures need `s < L`, and the noble path checks the
 * cofactorless equation `encode(sB − kA) = R` as OpenSSL and BoringSSL do.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { AegisLogError, bytesEqual } from '../protocol/index.js';
import type { Backend } from './ecdsa.js';

type Point = ReturnType<typeof ed25519.Point.fromBytes>;

export interface Ed25519PublicKey {
  readonly bytes: Uint8Array;
  readonly point: Point;
  /** Imported on first use; undefined where WebCrypto has no Ed25519. */
  cryptoKey(): Promise<CryptoKey | undefined>;
}

const L = ed25519.Point.Fn.ORDER;
const ALGORITHM = { name: 'Ed25519' } as const;
/** PKCS#8 PrivateKeyInfo of an Ed25519 seed, up to the seed (RFC 8410). */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

let support: Promise<boolean> | undefined;

/** Whether `crypto.subtle` does Ed25519 here (probed once). */
export function webCryptoEd25519(): Promise<boolean> {
  support ??= (async () => {
    try {
      if (!globalThis.crypto?.subtle) return false;
      const pub = ed25519.Point.BASE.toBytes();
      await crypto.subtle.importKey('raw', pub as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['verify']);
      return true;
    } catch {
      return false;
    }
  })();
  return support;
}

/** A public key for `verifyEd25519`; throws `ERR_VKEY_INVALID` unless it is a canonical encoding of a point of large order. */
export function ed25519PublicKey(bytes: Uint8Array): Ed25519PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw badKey('an Ed25519 public key is 32 bytes');
  let point: Point;
  try {
    point = ed25519.Point.fromBytes(bytes, false); // zip215 off: refuses non-canonical encodings
  } catch (cause) {
    throw new AegisLogError('ERR_VKEY_INVALID', 'the Ed25519 public key is not a canonically encoded curve point', { field: 'vkey', cause });
  }
  if (point.isSmallOrder()) throw badKey('the Ed25519 public key is a point of small order');
  const copy = bytes.slice();
  let imported: Promise<CryptoKey | undefined> | undefined;
  return Object.freeze({
    bytes: copy,
    point,
    cryptoKey: () =>
      (imported ??= webCryptoEd25519().then((ok) =>
        ok ? crypto.subtle.importKey('raw', copy as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['verify']) : undefined,
      )),
  });
}

/** True when `signature` (64 bytes) is a valid Ed25519 signature of `message` by `key`. */
export async function verifyEd25519(key: Ed25519PublicKey, message: Uint8Array, signature: Uint8Array, backend?: Backend): Promise<boolean> {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (scalarLE(signature.subarray(32)) >= L) return false; // RFC 8032 §5.1.7: s must be below L
  const cryptoKey = backend === 'noble' ? undefined : await key.cryptoKey();
  if (cryptoKey) {
    return crypto.subtle.verify(ALGORITHM, cryptoKey, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
  }
  const R = signature.subarray(0, 32);
  const s = scalarLE(signature.subarray(32));
  const k = scalarLE(sha512(concat(R, key.bytes, message))) % L;
  const check = ed25519.Point.BASE.multiplyUnsafe(s).subtract(key.point.multiplyUnsafe(k));
  return bytesEqual(check.toBytes(), R);
}

/** Signs with an Ed25519 seed (32 bytes); WebCrypto where it can, else noble. Deterministic either way. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export function ed25519Signer(seed: Uint8Array, backend?: Backend): Ed25519Signer {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new AegisLogError('ERR_KEY_INVALID', 'an Ed25519 private key (seed) is 32 bytes', { field: 'key' });
  }
  const secret = seed.slice();
  const publicKey = ed25519.getPublicKey(secret);
  let imported: Promise<CryptoKey | undefined> | undefined;
  const cryptoKey = () =>
    (imported ??= webCryptoEd25519().then((ok) =>
      ok && backend !== 'noble'
        ? crypto.subtle.importKey('pkcs8', concat(PKCS8_PREFIX, secret) as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['sign'])
        : undefined,
    ));
  return {
    publicKey,
    async sign(message) {
      const key = await cryptoKey();
      if (key) return new Uint8Array(await crypto.subtle.sign(ALGORITHM, key, message as Uint8Array<ArrayBuffer>));
      return ed25519.sign(message, secret);
    },
  };
}

/** The public key of a seed. */
export function ed25519PublicKeyOf(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

function scalarLE(bytes: Uint8Array): bigint {
  return bytesToNumberLE(bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function badKey(message: string): AegisLogError {
  return new AegisLogError('ERR_VKEY_INVALID', message, { field: 'vkey' });
}
