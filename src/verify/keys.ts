/**
 * Public keys for verification (PROTOCOL.md §6): SPKI PEM, SPKI DER (bytes or
 * base64), JWK, JWKS, or a WebCrypto public key. Only ECDSA P-256: anything else,
 * including private key material, is refused with `ERR_KEY_INVALID` rather than
 * guessed at.
 */
import { p256 } from '@noble/curves/nist.js';
import {
  AegisLogError, ErrorCode, b64Decode, b64uDecode, b64uEncode, jwkThumbprint, type EcPublicJwk,
} from '../protocol/index.js';
import { duplicateNameReason, findDuplicateName } from '../protocol/duplicate-names.js';

export interface VerifyKey {
  /** `key_id` that receipts and checkpoints name: the JWK's `kid`, else its RFC 7638 thumbprint (or `options.kid`). */
  readonly kid: string;
  readonly jwk: Readonly<EcPublicJwk & { kid: string }>;
  /** Uncompressed SEC1 point (0x04 || x || y), what @noble/curves takes. */
  readonly point: Uint8Array;
  /** WebCrypto key for `verify`, when the runtime has `crypto.subtle`. */
  readonly cryptoKey: CryptoKey | undefined;
}

export interface ImportKeyOptions {
  /**
   * The `key_id` this key signs under, when it is not the JWK's `kid` or thumbprint:
   * a KMS key signs with its ARN as `key_id`, while its SPKI carries no name.
   */
  kid?: string;
}

/** SubjectPublicKeyInfo of an uncompressed P-256 key, up to the point: the one DER form accepted. */
const SPKI_P256_PREFIX = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);
const PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END PUBLIC KEY-----\s*$/;

/**
 * Imports one key, or every key of a JWKS (then an array, in JWKS order).
 * Throws `AegisLogError` with code `ERR_KEY_INVALID` (or `ERR_BASE64URL`) on
 * anything that is not exactly an EC P-256 public key.
 */
export async function importPublicKey(input: unknown, options: ImportKeyOptions = {}): Promise<VerifyKey | VerifyKey[]> {
  options = options ?? {}; // null from JS callers: no options, as verifyEvidence reads them
  if (typeof input === 'string') return importText(input.trim(), options);
  if (input instanceof Uint8Array) return fromPoint(spkiPoint(input), undefined, options);
  if (isCryptoKey(input)) return importCryptoKey(input, options);
  if (typeof input === 'object' && input !== null && 'keys' in input) {
    if (options.kid !== undefined) throw bad('options.kid names one key; a JWKS names its own', 'kid');
    return importJwks(input.keys);
  }
  if (typeof input === 'object' && input !== null) return importJwk(input as Record<string, unknown>, '$', options);
  throw bad(`cannot read a public key from ${input === null ? 'null' : typeof input}`, '$');
}

/**
 * What `importPublicKey` reads: SPKI PEM (or base64 SPKI DER) text, SPKI DER bytes,
 * a public JWK, a JWKS, or a WebCrypto public key.
 */
export type PublicKeyInput = string | Uint8Array | CryptoKey | JsonWebKey | { readonly keys: readonly JsonWebKey[] };

/** Every key of the input as one flat list: `keys` options take this. */
export type KeyInput = VerifyKey | readonly KeyInput[];

/** Every key of `keys` (one key, or arrays of keys as `importPublicKey` gives a JWKS) as one flat list. */
export function flattenKeys(keys: KeyInput): VerifyKey[] {
  return flattenKeysAt(keys, 'keys');
}

/** Deepest nesting of arrays in a `keys` option: a JWKS in a list of keys is 2. */
const MAX_KEY_NESTING = 64;

/**
 * `flattenKeys`, with `field` naming the option in its errors. A loop, not recursion: an array that contains
 * itself, or one nested deeper than MAX_KEY_NESTING, is ERR_KEY_INVALID, not a RangeError when the stack runs out.
 * Holes of a sparse array are skipped, as `flatMap` skips them.
 */
export function flattenKeysAt(keys: KeyInput, field: string): VerifyKey[] {
  if (!Array.isArray(keys)) return [keys as VerifyKey];
  const out: VerifyKey[] = [];
  const lists: (readonly KeyInput[])[] = [keys];
  const next: number[] = [0];
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const i = next[top]!;
    if (i >= list.length) {
      lists.pop();
      next.pop();
      continue;
    }
    next[top] = i + 1;
    if (!(i in list)) continue;
    const k = list[i]!;
    if (!Array.isArray(k)) {
      out.push(k as VerifyKey);
      continue;
    }
    if (lists.includes(k)) throw new AegisLogError('ERR_KEY_INVALID', `${field} is an array that contains itself`, { field });
    if (lists.length >= MAX_KEY_NESTING) throw new AegisLogError('ERR_KEY_INVALID', `${field} nests arrays deeper than ${MAX_KEY_NESTING} levels`, { field });
    lists.push(k);
    next.push(0);
  }
  return out;
}

/** A caller error (not an evidence error), so it throws: `keys` must hold imported keys. */
export function usableKeys(input: KeyInput): VerifyKey[] {
  const keys = flattenKeys(input ?? []);
  if (keys.length === 0 || keys.some((k) => !(k && typeof k.kid === 'string' && k.point instanceof Uint8Array))) {
    throw new AegisLogError('ERR_KEY_INVALID', 'options.keys must be keys from importPublicKey (one or an array)', { field: 'keys' });
  }
  // A key made by hand with a point off P-256 would fail every signature check, as if the evidence were forged.
  keys.forEach((k, i) => {
    if (imported.has(k)) return;
    try {
      p256.Point.fromBytes(k.point).assertValidity();
      if (k.point.length !== 65) throw new Error('not an uncompressed point');
    } catch (cause) {
      const field = Array.isArray(input) ? `keys[${i}]` : 'keys';
      throw new AegisLogError('ERR_KEY_INVALID', `options.${field} (kid ${JSON.stringify(k.kid)}) is not a point on P-256`, { field, cause });
    }
    imported.add(k);
  });
  return keys;
}

/** Keys whose point is known to be on P-256: made by importPublicKey, or checked once by usableKeys. */
const imported = new WeakSet<VerifyKey>();

async function importText(text: string, options: ImportKeyOptions): Promise<VerifyKey | VerifyKey[]> {
  if (text.startsWith('-----BEGIN')) {
    const match = PEM.exec(text);
    if (!match) throw bad('PEM must be one "BEGIN PUBLIC KEY" block (an SPKI public key)', '$');
    return fromPoint(spkiPoint(b64Decode(match[1]!, 'PEM body')), undefined, options);
  }
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new AegisLogError('ERR_KEY_INVALID', 'key text starts with "{" but is not JSON', { field: '$', cause });
    }
    // A member twice ("x" forged first, real last): a key that other readers read as another key.
    const duplicate = findDuplicateName(text);
    if (duplicate) throw new AegisLogError('ERR_KEY_INVALID', `key text: ${duplicateNameReason(duplicate)}`, { field: duplicate.path });
    return importPublicKey(parsed, options);
  }
  // SPKI DER as text: padded standard base64 (as OpenSSL and KMS print it; 91 bytes always pad) or base64url.
  const der = /[+/=\s]/.test(text) ? b64Decode(text, 'SPKI') : b64uDecode(text, 'SPKI');
  return fromPoint(spkiPoint(der), undefined, options);
}

async function importJwks(keys: unknown): Promise<VerifyKey[]> {
  if (!Array.isArray(keys) || keys.length === 0) throw bad('JWKS "keys" must be a non-empty array', '$.keys');
  const out: VerifyKey[] = [];
  for (const [i, jwk] of keys.entries()) {
    if (typeof jwk !== 'object' || jwk === null) throw bad('is not a JWK object', `$.keys[${i}]`);
    const key = await importJwk(jwk as Record<string, unknown>, `$.keys[${i}]`, {});
    if (out.some((k) => k.kid === key.kid)) throw bad(`kid "${key.kid}" appears twice: which key signs is ambiguous`, `$.keys[${i}].kid`);
    out.push(key);
  }
  return out;
}

async function importJwk(jwk: Record<string, unknown>, path: string, options: ImportKeyOptions): Promise<VerifyKey> {
  if (jwk.kty !== 'EC') throw bad(`kty must be "EC", got ${JSON.stringify(jwk.kty)}`, `${path}.kty`);
  if (jwk.crv !== 'P-256') throw bad(`crv must be "P-256", got ${JSON.stringify(jwk.crv)}`, `${path}.crv`);
  if ('d' in jwk) throw bad('is a private key: give the public key only', `${path}.d`);
  if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw bad(`alg must be "ES256", got ${JSON.stringify(jwk.alg)}`, `${path}.alg`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw bad(`use must be "sig", got ${JSON.stringify(jwk.use)}`, `${path}.use`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    throw bad('key_ops does not allow "verify"', `${path}.key_ops`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw bad('kid must be a non-empty string', `${path}.kid`);
  const x = coordinate(jwk.x, `${path}.x`);
  const y = coordinate(jwk.y, `${path}.y`);
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  return fromPoint(point, jwk.kid as string | undefined, options);
}

function coordinate(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw bad('must be a base64url string', field);
  const bytes = b64uDecode(value, field);
  if (bytes.length !== 32) throw bad(`must be 32 bytes, got ${bytes.length}`, field);
  return bytes;
}

/** The 65-byte point inside the one accepted SPKI form. */
function spkiPoint(der: Uint8Array): Uint8Array {
  if (der.length !== SPKI_P256_PREFIX.length + 65) {
    throw bad(`SPKI of ${der.length} bytes is not an uncompressed P-256 public key (91 bytes)`, '$');
  }
  for (let i = 0; i < SPKI_P256_PREFIX.length; i++) {
    if (der[i] !== SPKI_P256_PREFIX[i]) throw bad('SPKI is not an EC P-256 public key (id-ecPublicKey, prime256v1)', '$');
  }
  if (der[SPKI_P256_PREFIX.length] !== 0x04) throw bad('SPKI point is not uncompressed', '$');
  return der.slice(SPKI_P256_PREFIX.length);
}

async function importCryptoKey(key: CryptoKey, options: ImportKeyOptions): Promise<VerifyKey> {
  const algorithm = (key.algorithm ?? {}) as EcKeyAlgorithm;
  if (key.type !== 'public' || algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw bad('CryptoKey must be a public ECDSA P-256 key', '$');
  }
  let raw: ArrayBuffer;
  try {
    raw = await crypto.subtle.exportKey('raw', key);
  } catch (cause) {
    throw new AegisLogError('ERR_KEY_INVALID', 'CryptoKey is not extractable, so its point cannot be read: import it with extractable true, or give its SPKI or JWK', { field: '$', cause });
  }
  return fromPoint(new Uint8Array(raw), undefined, options);
}

async function fromPoint(point: Uint8Array, jwkKid: string | undefined, options: ImportKeyOptions): Promise<VerifyKey> {
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch (cause) {
    throw new AegisLogError('ERR_KEY_INVALID', 'the public key is not a point on P-256', { field: '$', cause });
  }
  if (options.kid !== undefined && (typeof options.kid !== 'string' || options.kid === '')) {
    throw bad('options.kid must be a non-empty string', 'kid');
  }
  const x = b64uEncode(point.subarray(1, 33));
  const y = b64uEncode(point.subarray(33));
  const kid = options.kid ?? jwkKid ?? jwkThumbprint({ kty: 'EC', crv: 'P-256', x, y });
  const jwk = Object.freeze({ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' } as const);
  const cryptoKey = globalThis.crypto?.subtle
    ? await crypto.subtle.importKey('raw', point as Uint8Array<ArrayBuffer>, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])
    : undefined;
  const key: VerifyKey = Object.freeze({ kid, jwk, point, cryptoKey });
  imported.add(key);
  return key;
}

function isCryptoKey(value: unknown): value is CryptoKey {
  // Duck-typed: CryptoKey instances from another realm (an edge runtime's VM) fail instanceof.
  return typeof value === 'object' && value !== null && 'algorithm' in value && 'type' in value && 'usages' in value;
}

function bad(message: string, field: string): AegisLogError {
  return new AegisLogError('ERR_KEY_INVALID', message, { field });
}
