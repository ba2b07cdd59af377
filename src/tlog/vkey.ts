/**
 * Verifier keys (signed-note.md "Verifier keys"): `<name>+<hex key ID>+base64(type ‖ key)`.
 * Only the four types this project speaks are read; a key ID that does not
 * match the key is refused, so that a vkey names exactly one (name, ID, key).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AegisLogError, b64Encode, bytesEqual } from '../protocol/index.js';
import { b64DecodeStrict } from './base64.js';
import { isKeyName, shownName } from './note.js';

/** Signature types of signed-note.md this project reads. */
export const NoteKeyType = {
  /** Ed25519 over the note text. */
  Ed25519: 0x01,
  /** ECDSA P-256 (transparency-dev/witness): DER over SHA-256 of the note text; key ID = SHA-256(SPKI)[:4]. */
  EcdsaP256: 0x02,
  /** tlog-cosignature cosignature/v1: timestamped Ed25519. */
  CosignatureV1: 0x04,
  /** tlog-cosignature subtree/v1: timestamped ML-DSA-44. */
  MlDsa44: 0x06,
} as const;
export type NoteKeyType = (typeof NoteKeyType)[keyof typeof NoteKeyType];

export interface NoteVerifierKey {
  name: string;
  /** uint32 */
  keyId: number;
  type: NoteKeyType;
  /** Ed25519 / cosignature: the 32-byte public key; ECDSA: SPKI DER (91 bytes); ML-DSA-44: 1312 bytes. */
  key: Uint8Array;
  /** The vkey as text. */
  text: string;
}

/** SubjectPublicKeyInfo of an uncompressed P-256 key up to the point (id-ecPublicKey, prime256v1). */
const SPKI_P256_PREFIX = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
]);
const KEY_LENGTH: Record<NoteKeyType, number> = { 0x01: 32, 0x02: 91, 0x04: 32, 0x06: 1312 };
const TYPE_NAMES: Record<NoteKeyType, string> = { 0x01: 'Ed25519', 0x02: 'ECDSA P-256', 0x04: 'cosignature/v1 Ed25519', 0x06: 'ML-DSA-44' };

export function isNoteKeyType(type: unknown): type is NoteKeyType {
  return type === 0x01 || type === 0x02 || type === 0x04 || type === 0x06;
}

export function noteKeyTypeName(type: NoteKeyType): string {
  return TYPE_NAMES[type];
}

/**
 * The key ID signed-note recommends, `SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]`,
 * and for ECDSA (type 0x02) `SHA-256(SPKI DER)[:4]`, as transparency-dev/witness has it.
 */
export function noteKeyId(name: string, type: NoteKeyType, key: Uint8Array): number {
  // A name TextEncoder would spell "undefined", or a type no vkey has, gives an ID that matches no key.
  if (!isNoteKeyType(type)) throw bad('a key type is one of 0x01, 0x02, 0x04, 0x06', 'type');
  checkKey(type, key, 'key');
  let digest: Uint8Array;
  if (type === NoteKeyType.EcdsaP256) {
    digest = sha256(key);
  } else {
    // Only here is the name hashed (an ECDSA key ID is of the SPKI alone).
    if (!isKeyName(name)) throw bad('a key name is non-empty with no spaces or "+"', 'name');
    const nameBytes = new TextEncoder().encode(name);
    const input = new Uint8Array(nameBytes.length + 2 + key.length);
    input.set(nameBytes);
    input[nameBytes.length] = 0x0a;
    input[nameBytes.length + 1] = type;
    input.set(key, nameBytes.length + 2);
    digest = sha256(input);
  }
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
}

/** Parses one vkey; throws `ERR_VKEY_INVALID` on a bad name, a key ID not 8 lowercase hex digits or not the key's, an unknown type or a key of the wrong size. */
export function parseVkey(text: string): NoteVerifierKey {
  if (typeof text !== 'string') throw bad('vkey must be a string');
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw bad('vkey is not <name>+<key ID>+<base64 key>');
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  if (!isKeyName(name)) throw bad(`vkey has an invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw bad(`vkey key ID ${JSON.stringify(hex)} is not 8 lowercase hex digits`);
  const bytes = b64DecodeStrict(text.slice(second + 1), 'vkey', 'ERR_VKEY_INVALID');
  if (bytes.length < 2) throw bad('vkey has no key material');
  const type = bytes[0]!;
  if (!isNoteKeyType(type)) throw bad(`vkey type 0x${type.toString(16).padStart(2, '0')} is not one of 0x01, 0x02, 0x04, 0x06`);
  const key = bytes.slice(1);
  checkKey(type, key);
  const keyId = noteKeyId(name, type, key);
  if (keyId !== parseInt(hex, 16)) throw bad(`vkey key ID ${hex} does not match its key (expected ${hexId(keyId)})`);
  return { name, keyId, type, key, text };
}

/** The vkey of `key` under `name`, key ID computed. */
export function formatVkey(name: string, type: NoteKeyType, key: Uint8Array): string {
  if (!isKeyName(name)) throw bad(`invalid key name ${shownName(name)}`);
  if (!isNoteKeyType(type)) throw bad(`unknown key type ${String(type)}`);
  checkKey(type, key);
  const body = new Uint8Array(1 + key.length);
  body[0] = type;
  body.set(key, 1);
  return `${name}+${hexId(noteKeyId(name, type, key))}+${b64Encode(body)}`;
}

/** A vkey as a parsed key (formatVkey then parseVkey). */
export function verifierKey(name: string, type: NoteKeyType, key: Uint8Array): NoteVerifierKey {
  return parseVkey(formatVkey(name, type, key));
}

/** SPKI DER of an uncompressed P-256 point (65 bytes, 0x04 ‖ x ‖ y): the ECDSA note key. */
export function p256Spki(point: Uint8Array): Uint8Array {
  if (!(point instanceof Uint8Array) || point.length !== 65 || point[0] !== 0x04) throw bad('a P-256 point must be 65 bytes starting with 0x04');
  const der = new Uint8Array(91);
  der.set(SPKI_P256_PREFIX);
  der.set(point.subarray(1), SPKI_P256_PREFIX.length);
  return der;
}

/** The 65-byte point of a P-256 SPKI, or throws. */
export function p256SpkiPoint(spki: Uint8Array): Uint8Array {
  checkKey(NoteKeyType.EcdsaP256, spki);
  return spki.slice(SPKI_P256_PREFIX.length - 1);
}

export function hexId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function checkKey(type: NoteKeyType, key: Uint8Array, field = 'vkey'): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH[type]) {
    throw bad(`a ${TYPE_NAMES[type]} key is ${KEY_LENGTH[type]} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`, field);
  }
  if (type === NoteKeyType.EcdsaP256 && !bytesEqual(key.subarray(0, SPKI_P256_PREFIX.length), SPKI_P256_PREFIX)) {
    // signed-note allows P-384 and P-521 too; PROTOCOL.md §4.4 uses P-256 only.
    throw bad('an ECDSA note key must be an uncompressed P-256 SPKI', field);
  }
}

function bad(message: string, field = 'vkey'): AegisLogError {
  return new AegisLogError('ERR_VKEY_INVALID', message, { field });
}
