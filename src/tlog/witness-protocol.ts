/**
 * C2SP tlog-witness wire texts, for the witness and for logs that submit to
 * one: the `add-checkpoint` body (`old <size>\n`, up to 63 base64 hashes of a
 * consistency proof, a blank line, the signed checkpoint) and the 409 answer
 * (`text/x.tlog.size`: the latest cosigned size and a newline).
 */
import { AegisLogError, b64Encode } from '../protocol/index.js';
import { b64DecodeStrict } from './base64.js';
import { parseSize } from './checkpoint.js';

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, as sent. */
  note: string;
}

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** Reads an add-checkpoint body; throws `ERR_WITNESS_REQUEST` (a witness answers 400). The note itself is not read here. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  if (typeof body !== 'string') throw bad('the body must be text');
  const split = body.indexOf('\n\n');
  if (split < 0) throw bad('the body has no blank line between the old size (and proof) lines and the checkpoint');
  const header = body.slice(0, split).split('\n');
  const first = header[0]!;
  if (!first.startsWith('old ')) throw bad('the first line is not "old <size>"');
  let oldSize: number;
  try {
    oldSize = parseSize(first.slice(4), 'old size');
  } catch (error) {
    throw bad((error as Error).message);
  }
  const lines = header.slice(1);
  if (lines.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = lines.map((line, i) => {
    const field = `proof line ${i + 1}`;
    if (!/^[A-Za-z0-9+/]{43}=$/.test(line)) throw bad(`${field} is not the base64 of a 32-byte hash`);
    try {
      return b64DecodeStrict(line, field, 'ERR_WITNESS_REQUEST');
    } catch (error) {
      throw bad((error as Error).message);
    }
  });
  return { oldSize, proof, note: body.slice(split + 2) };
}

/** The add-checkpoint body for `note`, from `oldSize` with its consistency proof. */
export function formatAddCheckpoint(oldSize: number, proof: readonly Uint8Array[], note: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw bad('old size must be an integer from 0 to 2^53−1', 'oldSize');
  if (!Array.isArray(proof)) throw bad('proof must be an array of 32-byte hashes', 'proof');
  if (proof.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof hashes`, 'proof');
  // Every index: some() skips a sparse array's holes, which map() then writes as no line at all.
  if (Array.from(proof).some((h) => !(h instanceof Uint8Array) || h.length !== 32)) throw bad('proof hashes are 32 bytes', 'proof');
  if (typeof note !== 'string') throw bad('the checkpoint note must be text', 'note');
  return `old ${oldSize}\n${proof.map((h) => `${b64Encode(h)}\n`).join('')}\n${note}`;
}

/** The size in a 409 answer's `text/x.tlog.size` body: decimal, one newline. */
export function parseTlogSize(body: string): number {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw bad('a text/x.tlog.size body is a decimal and a newline');
  try {
    return parseSize(body.slice(0, -1), 'size');
  } catch (error) {
    throw bad((error as Error).message);
  }
}

function bad(message: string, field = 'body'): AegisLogError {
  return new AegisLogError('ERR_WITNESS_REQUEST', message, { field });
}
