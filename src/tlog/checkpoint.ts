/**
 * C2SP tlog-checkpoint note text: origin, tree size, base64 root, each ending
 * in a newline. PROTOCOL.md §4.4: this log writes no extension lines and its
 * verifiers refuse them; a witness of other logs may allow them.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AegisLogError, b64Encode, bytesEqual } from '../protocol/index.js';
import { b64DecodeStrict } from './base64.js';
import { checkNoteText, isKeyName, shownName } from './note.js';

export interface CheckpointBody {
  origin: string;
  /** Tree size; at most 2^53−1 here. */
  size: number;
  /** RFC 6962 root hash, 32 bytes. */
  root: Uint8Array;
  /** The note text: the lines with their newlines. */
  text: string;
  /** Extension lines (without newlines), only when `parseCheckpoint` was allowed them; else empty. */
  extensions: string[];
}

export interface ParseCheckpointOptions {
  /** Accept extension lines (tlog-checkpoint allows them; PROTOCOL.md §4.4 does not). Default false. */
  extensions?: boolean;
}

/**
 * `MTH({}) = SHA-256("")`, the root a size-0 checkpoint must carry. Public since
 * it was first exported, but a Uint8Array cannot be frozen: a caller may write
 * into it. So the SDK never reads it; it uses `isEmptyTreeRoot` and `emptyTreeRoot`.
 */
export const EMPTY_TREE_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** A copy nobody outside this module can reach, so that a write into EMPTY_TREE_ROOT changes no check. */
const EMPTY_ROOT = sha256(new Uint8Array(0));

/** Whether `root` is the empty tree's root (internal; not in the public entries). */
export const isEmptyTreeRoot = (root: Uint8Array): boolean => bytesEqual(root, EMPTY_ROOT);

/** A fresh copy of the empty tree's root, for whoever keeps or hands it on (internal). */
export const emptyTreeRoot = (): Uint8Array => EMPTY_ROOT.slice();

/** Parses checkpoint note text; throws `ERR_CHECKPOINT_INVALID` naming the line at fault. */
export function parseCheckpoint(text: string, options: ParseCheckpointOptions = {}): CheckpointBody {
  try {
    checkNoteText(text, 'checkpoint');
  } catch (cause) {
    throw new AegisLogError('ERR_CHECKPOINT_INVALID', `checkpoint: ${(cause as Error).message}`, { field: 'checkpoint', cause });
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad(`checkpoint has ${lines.length} lines, needs origin, size and root`, 'checkpoint');
  const [origin, sizeLine, rootLine] = lines as [string, string, string, ...string[]];
  if (origin === '') throw bad('checkpoint origin (line 1) is empty', 'origin');
  const size = parseSize(sizeLine, 'size');
  if (!/^[A-Za-z0-9+/]{43}=$/.test(rootLine)) throw bad('checkpoint root (line 3) is not the base64 of 32 bytes', 'root');
  const root = b64DecodeStrict(rootLine, 'root', 'ERR_CHECKPOINT_INVALID');
  const extensions = lines.slice(3);
  if (extensions.length > 0 && !options?.extensions) {
    throw bad(`checkpoint has ${extensions.length} extension line(s); PROTOCOL.md §4.4 allows none`, 'extensions');
  }
  const empty = extensions.findIndex((line) => line === '');
  if (empty >= 0) throw bad(`checkpoint extension line ${empty + 4} is empty`, 'extensions');
  return { origin, size, root, text, extensions };
}

/** The note text of a checkpoint this log signs: `origin` must be a key name (no spaces, no `+`), as the log signs under it. */
export function formatCheckpoint(origin: string, size: number, root: Uint8Array): string {
  if (!isKeyName(origin)) throw bad(`origin ${shownName(origin)} must be non-empty with no spaces or "+"`, 'origin');
  if (!Number.isSafeInteger(size) || size < 0) throw bad('size must be an integer from 0 to 2^53−1', 'size');
  if (!(root instanceof Uint8Array) || root.length !== 32) throw bad('root must be 32 bytes', 'root');
  return `${origin}\n${size}\n${b64Encode(root)}\n`;
}

/** A decimal size as C2SP writes it: no sign, no leading zero (but `0`), at most 2^53−1 here. */
export function parseSize(line: string, field: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(line)) throw bad(`${field} ${JSON.stringify(line)} is not a decimal without leading zeros`, field);
  const n = Number(line);
  if (!Number.isSafeInteger(n)) throw bad(`${field} ${line} is beyond 2^53−1, which this implementation does not handle`, field);
  return n;
}

function bad(message: string, field: string): AegisLogError {
  return new AegisLogError('ERR_CHECKPOINT_INVALID', message, { field });
}
