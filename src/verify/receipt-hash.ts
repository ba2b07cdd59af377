/**
 * `receipt_hash` for audits of a million receipts: the same bytes as the protocol's
 * `receiptHash` (SHA-256 of the statement's JCS form), written without the general
 * canonicalizer or a hasher per call. The statement has seven known members, so its
 * JCS form is a fixed template; JSON.stringify writes strings exactly as RFC 8785
 * does, except lone surrogates, which JCS refuses: those (and anything not a plain
 * string) take the general path, which throws the protocol's error.
 */
import { SIGNING_ALG, canonicalBytes, receiptStatementOf, type ReceiptStatement } from '../protocol/index.js';
import { hashBytes, wordsInto } from './sha256-tree.js';
import { IN, IN_SIZE, OUT, treeWasm } from './wasm/engine.js';

const SURROGATE = /[\ud800-\udfff]/;
const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);
const words = new Int32Array(8);

/** Writes `receipt_hash` (the protocol's `receiptHash`) into `out[at..at+32)`. */
export function receiptHashInto(receipt: ReceiptStatement, out: Uint8Array, at: number): void {
  const text = statementJcs(receipt);
  const wasm = treeWasm();
  if (text !== undefined && wasm) {
    const { read, written } = encoder.encodeInto(text, wasm.memory.subarray(IN, IN + IN_SIZE));
    if (read === text.length) {
      wasm.digest(IN, written, OUT);
      out.set(wasm.memory.subarray(OUT, OUT + 32), at);
      return;
    }
  }
  if (text === undefined) {
    const bytes = canonicalBytes(receiptStatementOf(receipt));
    hashBytes(bytes, bytes.length, words, 0);
  } else {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; grow once for odd, long statements.
    if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
    hashBytes(scratch, encoder.encodeInto(text, scratch).written, words, 0);
  }
  wordsInto(words, 0, out, at);
}

function statementJcs(r: ReceiptStatement): string | undefined {
  const { digest_b64url: d, event_id: e, key_id: k, received_at: t, tenant_id: n } = r;
  if (r.v !== 1 || r.signing_alg !== SIGNING_ALG) return undefined;
  const parts = [jcsString(d), jcsString(e), cachedJcs(k, 0), jcsString(t), cachedJcs(n, 1)];
  if (parts.includes(undefined)) return undefined;
  return `{"digest_b64url":${parts[0]},"event_id":${parts[1]},"key_id":${parts[2]},"received_at":${parts[3]},"signing_alg":"${SIGNING_ALG}","tenant_id":${parts[4]},"v":1}`;
}

/** Characters that JSON escapes, and surrogates (lone ones JCS refuses; pairs take the careful path). */
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string's JCS form, or undefined when JCS refuses it (a lone surrogate) or it is not a string. */
function jcsString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!NEEDS_CARE.test(value)) return `"${value}"`;
  return SURROGATE.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')) ? undefined : JSON.stringify(value);
}

/** key_id and tenant_id repeat across a period's receipts: their JCS form is kept from the last receipt. */
const lastSeen: [unknown, string | undefined][] = [[undefined, undefined], [undefined, undefined]];
function cachedJcs(value: unknown, slot: 0 | 1): string | undefined {
  const seen = lastSeen[slot]!;
  if (seen[0] !== value || seen[1] === undefined) {
    seen[0] = value;
    seen[1] = jcsString(value);
  }
  return seen[1];
}
