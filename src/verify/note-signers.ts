/**
 * Note signers (PROTOCOL.md §4.4–4.5), shared by the server (log signatures)
 * and the witness (cosignatures), which import them from here and never from
 * each other. Private keys are kept as Go sumdb/note signer keys,
 * `PRIVATE+KEY+<name>+<hex key ID>+base64(type ‖ seed)`, which `note.NewSigner`
 * (type 0x01) and transparency-dev/formats (0x01, 0x04, 0x06) read too.
 */
import { p256 } from '@noble/curves/nist.js';
import { AegisLogError, b64Encode, b64uDecode, derToRaw } from '../protocol/index.js';
import { b64DecodeStrict } from '../tlog/base64.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';
import { cosignatureV1Message, fitsSubtreeField, formatTimestampedSignature, subtreeV1Message } from '../tlog/cosignature.js';
import { isKeyName, type NoteSigner } from '../tlog/note.js';
import { NoteKeyType, formatVkey, hexId, noteKeyId, p256Spki, p256SpkiPoint } from '../tlog/vkey.js';
import type { Backend } from './ecdsa.js';
import { ed25519PublicKeyOf, ed25519Signer } from './ed25519.js';
import { loadMlDsa44, type MlDsa44 } from './ml-dsa.js';

/** A note signer that also knows its verifier key. */
export interface KeyedNoteSigner extends NoteSigner {
  readonly type: NoteKeyType;
  /** The vkey that verifies this signer's signatures. */
  readonly vkey: string;
  /**
   * Signs note text. A cosigner stamps its time, and no earlier than `notBefore` (POSIX seconds): a witness passes
   * the latest time it stamped for the log, so that a clock set back never dates a later cosignature earlier.
   * Other signers ignore it.
   */
  sign(text: Uint8Array, options?: { notBefore?: number }): Promise<Uint8Array>;
}

/** What an ECDSA note signer is built from: a server `Signer` (local or KMS) or anything that hashes with SHA-256 and returns DER. */
export interface EcdsaDerSigner {
  /** Signs SHA-256(message); DER ECDSA-Sig-Value. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The P-256 public key: give `spki` (DER) or `publicJwk()`. */
  spki?: Uint8Array;
  publicJwk?(): Promise<{ x?: string; y?: string }>;
}

/**
 * The log's ECDSA note signer, type 0x02: key ID = SHA-256(SPKI DER)[:4], the
 * signature = DER ECDSA over SHA-256(note text), which KMS signs as a digest.
 */
export async function ecdsaNoteSigner(name: string, signer: EcdsaDerSigner): Promise<KeyedNoteSigner> {
  let spki = signer.spki;
  if (!spki) {
    const jwk = await signer.publicJwk?.();
    if (typeof jwk?.x !== 'string' || typeof jwk.y !== 'string') throw keyError('the ECDSA signer gives neither spki nor publicJwk()');
    const x = b64uDecode(jwk.x, 'x');
    const y = b64uDecode(jwk.y, 'y');
    if (x.length !== 32 || y.length !== 32) throw keyError(`the ECDSA signer's public JWK coordinates must be 32 bytes each, got x ${x.length} and y ${y.length}`);
    const point = new Uint8Array(65);
    point[0] = 0x04;
    point.set(x, 1);
    point.set(y, 33);
    spki = p256Spki(point);
  }
  // A point off P-256 would make a vkey that the log publishes and under which none of its signatures verifies.
  try {
    p256.Point.fromBytes(p256SpkiPoint(spki)).assertValidity();
  } catch (cause) {
    throw new AegisLogError('ERR_KEY_INVALID', "the ECDSA signer's public key is not an uncompressed P-256 point", { field: 'signer', cause });
  }
  const vkey = formatVkey(name, NoteKeyType.EcdsaP256, spki);
  return Object.freeze({
    name,
    keyId: noteKeyId(name, NoteKeyType.EcdsaP256, spki),
    type: NoteKeyType.EcdsaP256,
    vkey,
    async sign(text: Uint8Array) {
      const der = await signer.sign(text);
      derToRaw(der); // strict DER or nothing: a verifier would refuse it anyway
      return der;
    },
  });
}

/** A signer key parsed: name, type and the 32-byte seed; the public key and vkey derived. */
export interface NoteSigningKey {
  name: string;
  /** 0x01 Ed25519 note key, 0x04 Ed25519 cosigner, 0x06 ML-DSA-44 cosigner. */
  type: typeof NoteKeyType.Ed25519 | typeof NoteKeyType.CosignatureV1 | typeof NoteKeyType.MlDsa44;
  keyId: number;
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** The skey text. */
  skey: string;
  /** The vkey of the same type (for a 0x01 key used by a witness, `cosignerVkey` is the one to publish). */
  vkey: string;
}

export interface SigningKeyOptions {
  /** @noble/post-quantum's `ml_dsa44`, for 0x06 keys where it cannot be imported on demand. */
  mlDsa44?: MlDsa44;
}

/** Reads `PRIVATE+KEY+...`; throws `ERR_VKEY_INVALID` for a malformed key, an unknown type or a key ID that is not the key's. */
export async function parseNoteSigningKey(skey: string, options: SigningKeyOptions = {}): Promise<NoteSigningKey> {
  if (typeof skey !== 'string' || !skey.startsWith('PRIVATE+KEY+')) throw badSkey('a signer key starts with PRIVATE+KEY+');
  const rest = skey.slice('PRIVATE+KEY+'.length);
  const first = rest.indexOf('+');
  const second = first < 0 ? -1 : rest.indexOf('+', first + 1);
  if (second < 0) throw badSkey('a signer key is PRIVATE+KEY+<name>+<key ID>+<base64>');
  const name = rest.slice(0, first);
  const hex = rest.slice(first + 1, second);
  const body = rest.slice(second + 1); // base64 may itself hold "+"
  if (!isKeyName(name)) throw badSkey(`signer key has an invalid name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badSkey('signer key ID is not 8 lowercase hex digits');
  const bytes = b64DecodeStrict(body, 'skey', 'ERR_VKEY_INVALID');
  const type = bytes[0];
  const seed = bytes.slice(1);
  if (type !== NoteKeyType.Ed25519 && type !== NoteKeyType.CosignatureV1 && type !== NoteKeyType.MlDsa44) {
    throw badSkey(`signer key type ${type === undefined ? 'missing' : `0x${type.toString(16).padStart(2, '0')}`}: only 0x01, 0x04 and 0x06 are signer keys here`);
  }
  if (seed.length !== 32) throw badSkey(`signer key seed is ${seed.length} bytes, not 32`);
  const publicKey = type === NoteKeyType.MlDsa44 ? (await loadMlDsa44(options.mlDsa44)).keygen(seed).publicKey : ed25519PublicKeyOf(seed);
  const keyId = noteKeyId(name, type, publicKey);
  if (keyId !== parseInt(hex, 16)) throw badSkey(`signer key ID ${hex} does not match the key (expected ${hexId(keyId)})`);
  return { name, type, keyId, seed, publicKey, skey, vkey: formatVkey(name, type, publicKey) };
}

/** A new signer key: 0x01 for a log's Ed25519 note key, 0x04 for a witness, 0x06 for an ML-DSA-44 witness. */
export async function generateNoteSigningKey(name: string, type: NoteSigningKey['type'] = NoteKeyType.Ed25519, options: SigningKeyOptions = {}): Promise<NoteSigningKey> {
  if (!isKeyName(name)) throw badSkey(`invalid key name ${JSON.stringify(name)}`);
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const publicKey = type === NoteKeyType.MlDsa44 ? (await loadMlDsa44(options.mlDsa44)).keygen(seed).publicKey : ed25519PublicKeyOf(seed);
  const body = new Uint8Array(33);
  body[0] = type;
  body.set(seed, 1);
  const skey = `PRIVATE+KEY+${name}+${hexId(noteKeyId(name, type, publicKey))}+${b64Encode(body)}`;
  return parseNoteSigningKey(skey, options);
}

/** The log's Ed25519 note signer, type 0x01, from a 0x01 signer key. */
export async function ed25519NoteSigner(key: string | NoteSigningKey, options: { backend?: Backend } = {}): Promise<KeyedNoteSigner> {
  const k = typeof key === 'string' ? await parseNoteSigningKey(key) : key;
  if (k.type !== NoteKeyType.Ed25519) throw badSkey(`an Ed25519 note signer needs a type 0x01 key, this one is 0x0${k.type}`);
  const signer = ed25519Signer(k.seed, options.backend);
  return Object.freeze({ name: k.name, keyId: k.keyId, type: k.type, vkey: k.vkey, sign: (text: Uint8Array) => signer.sign(text) });
}

export interface CosignerOptions extends SigningKeyOptions {
  /** POSIX seconds to stamp; default the clock. A witness must never stamp 0. */
  now?: () => number;
  backend?: Backend;
}

/**
 * A witness's cosigner (tlog-cosignature): from a 0x04 (or 0x01, as
 * transparency-dev/witness keeps them) key, Ed25519 cosignature/v1 under the
 * 0x04 key ID; from a 0x06 key, ML-DSA-44 subtree/v1 over [0, size).
 * `sign` gets checkpoint note text and returns timestamp ‖ signature, the
 * timestamp the clock's and at least `notBefore`.
 */
export async function cosigner(key: string | NoteSigningKey, options: CosignerOptions = {}): Promise<KeyedNoteSigner> {
  // What is no parsed key is read as text: `cosigner(process.env.WITNESS_KEY!)` with the variable unset is a bad skey.
  const k = typeof key === 'object' && key !== null ? key : await parseNoteSigningKey(key, options);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (k.type === NoteKeyType.MlDsa44) {
    // subtree/v1 signs the name behind one length byte: a longer one could never sign, so say it here, where it is built.
    if (!fitsSubtreeField(k.name)) throw nameTooLong(k.name);
    const mlDsa = await loadMlDsa44(options.mlDsa44);
    const { secretKey } = mlDsa.keygen(k.seed);
    return Object.freeze({
      name: k.name, keyId: k.keyId, type: k.type, vkey: k.vkey,
      async sign(text: Uint8Array, at: { notBefore?: number } = {}) {
        const body = parseCheckpoint(decoder.decode(text), { extensions: true });
        const timestamp = stamp(now, at.notBefore);
        const message = subtreeV1Message({ cosigner: k.name, timestamp, origin: body.origin, start: 0, end: body.size, hash: body.root });
        return formatTimestampedSignature(timestamp, mlDsa.sign(message, secretKey));
      },
    });
  }
  const publicKey = k.publicKey;
  const keyId = noteKeyId(k.name, NoteKeyType.CosignatureV1, publicKey);
  const signer = ed25519Signer(k.seed, options.backend);
  return Object.freeze({
    name: k.name, keyId, type: NoteKeyType.CosignatureV1, vkey: formatVkey(k.name, NoteKeyType.CosignatureV1, publicKey),
    async sign(text: Uint8Array, at: { notBefore?: number } = {}) {
      const timestamp = stamp(now, at.notBefore);
      return formatTimestampedSignature(timestamp, await signer.sign(cosignatureV1Message(decoder.decode(text), timestamp)));
    },
  });
}

function stamp(now: () => number, notBefore = 0): number {
  const t = now();
  if (!Number.isSafeInteger(t) || t <= 0) throw new AegisLogError('ERR_CONFIG', `cosignature timestamp ${t} must be a positive integer (tlog-witness forbids 0)`, { field: 'now' });
  // A clock stepped back: the time already stamped, not an earlier one (formatTimestampedSignature checks notBefore).
  return Math.max(t, notBefore);
}

/** An ML-DSA-44 cosigner's name over 255 bytes: the one error for it, here and in createWitness (for a cosigner built by hand). */
export function nameTooLong(name: string): AegisLogError {
  return new AegisLogError(
    'ERR_CONFIG',
    `cosigner name "${name.slice(0, 40)}…" is over 255 bytes: an ML-DSA-44 cosigner's subtree/v1 needs a name of 1–255 bytes`,
    { field: 'cosigners' },
  );
}

function keyError(message: string): AegisLogError {
  return new AegisLogError('ERR_KEY_INVALID', message, { field: 'signer' });
}

function badSkey(message: string): AegisLogError {
  return new AegisLogError('ERR_VKEY_INVALID', message, { field: 'skey' });
}
