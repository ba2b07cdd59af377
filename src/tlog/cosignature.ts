/**
 * C2SP tlog-cosignature messages. A cosignature's note signature bytes are a
 * `timestamped_signature`: u64 big-endian POSIX seconds ‖ the signature over
 * - cosignature/v1 (type 0x04, Ed25519): `"cosignature/v1\ntime <t>\n" ‖ note text`;
 * - subtree/v1 (type 0x06, ML-DSA-44): the binary `cosigned_message` below.
 */
import { AegisLogError } from '../protocol/index.js';
import { checkNoteText } from './note.js';
import { NoteKeyType } from './vkey.js';

export const ED25519_SIGNATURE_LENGTH = 64;
export const ML_DSA_44_SIGNATURE_LENGTH = 2420;

export interface TimestampedSignature {
  /** POSIX seconds. Here at most 2^53−1 (a later time is far beyond any skew). */
  timestamp: number;
  signature: Uint8Array;
}

const encoder = new TextEncoder();

/** The bytes an Ed25519 cosigner signs: header, time line, then the whole note text (extension lines included). */
export function cosignatureV1Message(noteText: string, timestamp: number): Uint8Array {
  checkNoteText(noteText);
  checkTimestamp(timestamp);
  return encoder.encode(`cosignature/v1\ntime ${timestamp}\n${noteText}`);
}

export interface SubtreeMessage {
  /** The cosigner's key name. */
  cosigner: string;
  /** POSIX seconds; zero means no statement about the tree being the largest seen (and is required when `start` > 0). */
  timestamp: number;
  /** The log's origin line without its newline. */
  origin: string;
  /** First leaf of the subtree; 0 for a checkpoint. */
  start: number;
  /** One past the last leaf; the tree size for a checkpoint. */
  end: number;
  /** Root hash of the subtree (32 bytes). */
  hash: Uint8Array;
}

const SUBTREE_LABEL = encoder.encode('subtree/v1\n\0');

/** Whether `text` fits a subtree/v1 name field: 1 to 255 bytes of UTF-8, behind one length byte (a cosigner's name, a log's origin). */
export function fitsSubtreeField(text: string): boolean {
  return fitsLengthByte(encoder.encode(text).length);
}

const fitsLengthByte = (length: number) => length >= 1 && length <= 255;

/** The `cosigned_message` an ML-DSA-44 cosigner signs (TLS presentation language, big-endian). */
export function subtreeV1Message(m: SubtreeMessage): Uint8Array {
  if (typeof m !== 'object' || m === null) throw bad('the subtree message must be an object', 'message');
  // TextEncoder would encode anything as its String(): a name of "42" or "null" that no cosigner signed.
  if (typeof m.cosigner !== 'string') throw bad('cosigner name must be a string', 'cosigner');
  if (typeof m.origin !== 'string') throw bad('origin must be a string', 'origin');
  const name = encoder.encode(m.cosigner);
  const origin = encoder.encode(m.origin);
  if (!fitsLengthByte(name.length)) throw bad('cosigner name must be 1 to 255 bytes of UTF-8', 'cosigner');
  if (!fitsLengthByte(origin.length)) throw bad('origin must be 1 to 255 bytes of UTF-8 for a subtree/v1 cosignature', 'origin');
  checkTimestamp(m.timestamp);
  for (const [field, n] of [['start', m.start], ['end', m.end]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw bad(`${field} must be an integer from 0 to 2^53−1`, field);
  }
  if (m.start >= m.end && !(m.start === 0 && m.end === 0)) throw bad('start must be below end', 'start');
  if (m.start !== 0 && m.timestamp !== 0) throw bad('a subtree with start > 0 must have timestamp 0', 'timestamp');
  if (!(m.hash instanceof Uint8Array) || m.hash.length !== 32) throw bad('hash must be 32 bytes', 'hash');
  const out = new Uint8Array(SUBTREE_LABEL.length + 1 + name.length + 8 + 1 + origin.length + 8 + 8 + 32);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(SUBTREE_LABEL, at);
  at += SUBTREE_LABEL.length;
  out[at++] = name.length;
  out.set(name, at);
  at += name.length;
  view.setBigUint64(at, BigInt(m.timestamp));
  at += 8;
  out[at++] = origin.length;
  out.set(origin, at);
  at += origin.length;
  view.setBigUint64(at, BigInt(m.start));
  at += 8;
  view.setBigUint64(at, BigInt(m.end));
  at += 8;
  out.set(m.hash, at);
  return out;
}

/**
 * Splits a cosignature's bytes (after the key ID) into timestamp and signature.
 * Throws `ERR_NOTE_INVALID` when the length is not 8 + the type's signature
 * length or the timestamp exceeds 2^63−1 (tlog-cosignature) or 2^53−1 (here).
 */
export function parseTimestampedSignature(bytes: Uint8Array, type: typeof NoteKeyType.CosignatureV1 | typeof NoteKeyType.MlDsa44): TimestampedSignature {
  if (type !== NoteKeyType.CosignatureV1 && type !== NoteKeyType.MlDsa44) throw bad('type must be 0x04 (cosignature/v1) or 0x06 (ML-DSA-44): only they carry a timestamp', 'type');
  const length = 8 + (type === NoteKeyType.MlDsa44 ? ML_DSA_44_SIGNATURE_LENGTH : ED25519_SIGNATURE_LENGTH);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw bad(`a type 0x0${type} cosignature is ${length} bytes after the key ID, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`, 'signature');
  }
  const t = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (t > 0x7fffffffffffffffn) throw bad('cosignature timestamp exceeds 2^63−1', 'timestamp');
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('cosignature timestamp is beyond 2^53−1 seconds', 'timestamp');
  return { timestamp: Number(t), signature: bytes.slice(8) };
}

/** timestamp (u64 big-endian) ‖ signature. */
export function formatTimestampedSignature(timestamp: number, signature: Uint8Array): Uint8Array {
  checkTimestamp(timestamp);
  const out = new Uint8Array(8 + signature.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(timestamp));
  out.set(signature, 8);
  return out;
}

function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0) throw bad('timestamp must be an integer from 0 to 2^53−1 (POSIX seconds)', 'timestamp');
}

function bad(message: string, field: string): AegisLogError {
  return new AegisLogError('ERR_NOTE_INVALID', message, { field });
}
