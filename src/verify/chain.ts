/**
 * Checkpoint chains (PROTOCOL.md §4): each checkpoint signed, and each one's
 * `prev_b64url` the SHA-256 of the previous statement, so rewriting any past
 * period breaks every later checkpoint.
 */
import { b64uEncode, bytesEqual, sha256 } from '../protocol/index.js';
import type { Backend } from './ecdsa.js';
import { usableKeys, type KeyInput, type VerifyKey } from './keys.js';
import { Invalid, readCheckpoint, reasonOf, requireSignature, type ReadCheckpoint } from './read.js';

export interface ChainOptions {
  keys: KeyInput;
  backend?: Backend;
}

export interface ChainReport {
  ok: boolean;
  /** How many checkpoints were read. */
  length: number;
  /** The first checkpoint that breaks the chain (0-based, oldest first) and why. */
  firstBreak?: { index: number; reason: string };
  /** `SHA-256(C(statement))` of the last checkpoint, base64url: what the next `prev_b64url` must be. */
  headB64url?: string;
}

/**
 * Verifies checkpoints given oldest first (as `GET /checkpoints` returns them).
 * The first may have `prev_b64url: null` (the log's genesis) or point before the
 * slice given; every later one must name its predecessor, share its `log_id`
 * and start no earlier than it ended. Never throws on bad checkpoints; without usable `keys`, throws `ERR_KEY_INVALID`.
 */
export async function verifyCheckpointChain(checkpoints: unknown, options: ChainOptions): Promise<ChainReport> {
  // No usable key is the caller's mistake, thrown as every verifier throws it (ERR_KEY_INVALID), never a break of the chain.
  const given = options as ChainOptions | undefined;
  return (await walkChain(checkpoints, usableKeys(given?.keys as KeyInput), given?.backend)).report;
}

/** `verifyCheckpointChain`, also giving `SHA-256(C(statement))` of each checkpoint read (what a later one's `prev_b64url` names). */
export async function walkChain(
  checkpoints: unknown,
  keys: readonly VerifyKey[],
  backend: Backend | undefined,
): Promise<{ report: ChainReport; hashes: Uint8Array[] }> {
  const hashes: Uint8Array[] = [];
  if (!Array.isArray(checkpoints)) return { report: { ok: false, length: 0, firstBreak: { index: 0, reason: 'checkpoints is not an array' } }, hashes };
  let previous: ReadCheckpoint | undefined;
  for (const [index, value] of checkpoints.entries()) {
    try {
      previous = await checkLink(value, previous, hashes.at(-1), keys, backend);
      hashes.push(sha256(previous.message));
    } catch (error) {
      return { report: { ok: false, length: checkpoints.length, firstBreak: { index, reason: reasonOf(error) } }, hashes };
    }
  }
  const head = hashes.at(-1);
  return { report: { ok: true, length: checkpoints.length, ...(head ? { headB64url: b64uEncode(head) } : {}) }, hashes };
}

/** Reads one checkpoint and checks it against its predecessor (and that one's hash); throws the reason it breaks the chain. */
async function checkLink(
  value: unknown,
  previous: ReadCheckpoint | undefined,
  previousHash: Uint8Array | undefined,
  keys: readonly VerifyKey[],
  backend: Backend | undefined,
): Promise<ReadCheckpoint> {
  const current = readCheckpoint(value, 'checkpoint');
  const { checkpoint } = current;
  await requireSignature(keys, checkpoint.key_id, checkpoint.signature_b64url, current.message, backend);
  if (!previous || !previousHash) return current;
  if (current.prev === null) throw new Invalid('prev_b64url is null, but only the first checkpoint of the log has none');
  if (!bytesEqual(current.prev, previousHash)) throw new Invalid('prev_b64url is not the hash of the previous checkpoint');
  if (checkpoint.log_id !== previous.checkpoint.log_id) {
    throw new Invalid(`log_id "${checkpoint.log_id}" differs from the previous "${previous.checkpoint.log_id}"`);
  }
  if (current.start < previous.end) throw new Invalid('its period starts before the previous period ended');
  return current;
}
