/**
 * C2SP signed notes (specs/c2sp/signed-note.md): a text ending in a newline, a
 * blank line, then one signature line per key, `— <name> base64(keyID ‖ sig)`.
 * Parsing is strict (one accepted spelling of every note) and verifies nothing:
 * verify/notes.ts decides which signatures count.
 */
import { AegisLogError, b64Encode, isWellFormed } from '../protocol/index.js';
import { b64DecodeStrict } from './base64.js';

export interface NoteSignature {
  /** Key name: non-empty, no Unicode space, no `+`. */
  name: string;
  /** uint32 key ID, the first four bytes of the signature line's base64. */
  keyId: number;
  /** The bytes after the key ID (for cosignatures: timestamp ‖ signature). */
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline, not the blank line. */
  text: string;
  signatures: NoteSignature[];
}

/** Something that signs note text under one key: `sign` gets the UTF-8 text and returns the bytes after the key ID. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Promise<Uint8Array>;
}

/** signed-note asks verifiers to accept at least 16; Go's sumdb/note stops at 100. */
export const MAX_NOTE_SIGNATURES = 100;
/** Characters. 100 ML-DSA-44 cosignatures (3.3 kB of base64 each) fit. */
export const MAX_NOTE_LENGTH = 1_000_000;

const SIG_PREFIX = '\u2014 ';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UNICODE_SPACE = /\p{White_Space}/u;

/** Parses a signed note; throws `ERR_NOTE_INVALID` (with the offending part in `field`) on anything signed-note does not allow. */
export function parseNote(note: string): Note {
  if (typeof note !== 'string') throw bad('note must be a string', 'note');
  if (note.length > MAX_NOTE_LENGTH) throw bad(`note is longer than ${MAX_NOTE_LENGTH} characters`, 'note');
  checkNoteChars(note, 'note');
  // The text ends at the last blank line: the text may itself hold blank lines, signature lines cannot.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw bad('note has no blank line between text and signatures', 'note');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') throw bad('note has no signature lines', 'note');
  if (!block.endsWith('\n')) throw bad('note does not end with a newline', 'note');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw bad(`note has more than ${MAX_NOTE_SIGNATURES} signatures`, 'note');
  return { text, signatures: lines.map((line, i) => parseSignatureLine(line, `signatures[${i}]`)) };
}

/**
 * One signature line without its newline, `— <name> <base64>`, as a witness
 * answers them (tlog-witness) and as a note carries them.
 */
export function parseSignatureLine(line: string, field = 'signature'): NoteSignature {
  if (typeof line !== 'string' || !line.startsWith(SIG_PREFIX)) throw bad('signature line does not start with "— "', field);
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw bad('signature line has no space between key name and signature', field);
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isKeyName(name)) throw bad(`signature line has an invalid key name ${JSON.stringify(name)}`, field);
  if (!BASE64.test(b64)) throw bad('signature is not standard base64', field);
  const bytes = b64DecodeStrict(b64, field, 'ERR_NOTE_INVALID');
  if (bytes.length < 5) throw bad('signature is shorter than a key ID and one byte', field);
  const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return { name, keyId, signature: bytes.slice(4) };
}

/** Lines in the body of a tlog-witness 200 answer (each `— ...\n`), parsed. */
export function parseSignatureLines(block: string): NoteSignature[] {
  if (typeof block !== 'string' || block === '' || !block.endsWith('\n')) throw bad('signature lines must end with a newline', 'signatures');
  checkNoteChars(block, 'signatures');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw bad(`more than ${MAX_NOTE_SIGNATURES} signatures`, 'signatures');
  return lines.map((line, i) => parseSignatureLine(line, `signatures[${i}]`));
}

/** `— <name> base64(keyId ‖ signature)\n`. */
export function signatureLine(sig: NoteSignature): string {
  return lineOf(sig, 'signature');
}

function lineOf(sig: NoteSignature, field: string): string {
  checkSignature(sig, field);
  const bytes = new Uint8Array(4 + sig.signature.length);
  new DataView(bytes.buffer).setUint32(0, sig.keyId);
  bytes.set(sig.signature, 4);
  return `${SIG_PREFIX}${sig.name} ${b64Encode(bytes)}\n`;
}

/** The note `text`, a blank line and one line per signature; `parseNote` gives them back. */
export function formatNote(text: string, sigs: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (!Array.isArray(sigs) || sigs.length === 0) throw bad('a note needs at least one signature', 'signatures');
  if (sigs.length > MAX_NOTE_SIGNATURES) throw bad(`more than ${MAX_NOTE_SIGNATURES} signatures`, 'signatures');
  // Array.from, not map(): map skips a sparse array's holes, and [,] would write a note without signature lines.
  return `${text}\n${Array.from(sigs, (sig, i) => lineOf(sig, `signatures[${i}]`)).join('')}`;
}

/** Signs `text` with every signer (concurrently) and formats the note, signatures in signer order. */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkNoteText(text);
  if (!Array.isArray(signers)) throw bad('signers must be an array of note signers', 'signers');
  for (let i = 0; i < signers.length; i++) {
    if (typeof (signers[i] as Partial<NoteSigner> | null)?.sign !== 'function') throw bad('a note signer must have a sign function', `signers[${i}]`);
  }
  const bytes = new TextEncoder().encode(text);
  const sigs = await Promise.all(
    signers.map(async (s) => ({ name: s.name, keyId: s.keyId, signature: await s.sign(bytes) })),
  );
  return formatNote(text, sigs);
}

/** A valid key name: non-empty, well-formed, no Unicode space (White_Space, as Go's unicode.IsSpace) and no `+`. */
export function isKeyName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && isWellFormed(name) && !UNICODE_SPACE.test(name) && !name.includes('+') && !hasControl(name);
}

/** A caller's name in a message: quoted when a string; else its type (JSON.stringify throws on a BigInt or a cycle). */
export function shownName(name: unknown): string {
  return typeof name === 'string' ? JSON.stringify(name) : name === null ? 'null' : `of type ${typeof name}`;
}

/** Note text as signed-note has it: ends in a newline, no control character but newline, well-formed. */
export function checkNoteText(text: string, field = 'text'): void {
  if (typeof text !== 'string' || text === '' || !text.endsWith('\n')) throw bad('note text must end with a newline', field);
  if (text.length > MAX_NOTE_LENGTH) throw bad(`note text is longer than ${MAX_NOTE_LENGTH} characters`, field);
  checkNoteChars(text, field);
}

function checkNoteChars(s: string, field: string): void {
  if (!isWellFormed(s)) throw bad('note is not valid Unicode (lone surrogate): it has no UTF-8 form', field);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw bad(`note has control character U+${c.toString(16).padStart(4, '0')} at ${i}`, field);
  }
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

function checkSignature(sig: NoteSignature, field: string): void {
  if (typeof sig !== 'object' || sig === null) throw bad('signature must be an object', field);
  if (!isKeyName(sig.name)) throw bad(`invalid key name ${shownName(sig.name)}`, `${field}.name`);
  if (!Number.isInteger(sig.keyId) || sig.keyId < 0 || sig.keyId > 0xffffffff) throw bad('keyId must be a uint32', `${field}.keyId`);
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length === 0) throw bad('signature must be non-empty bytes', `${field}.signature`);
}

function bad(message: string, field: string): AegisLogError {
  return new AegisLogError('ERR_NOTE_INVALID', message, { field });
}
