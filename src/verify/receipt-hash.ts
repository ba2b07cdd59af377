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
  if (typeof d !== 'string' || typeof e !== 'string' || typeof k !== 'string' || typeof t !== 'string' || typeof n !== 'string') return undefined;
  if (SURROGATE.test(d + e + k + t + n)) return undefined;
  return `{"digest_b64url":${JSON.stringify(d)},"event_id":${JSON.stringify(e)},"key_id":${JSON.stringify(k)},"received_at":${JSON.stringify(t)},"signing_alg":"${SIGNING_ALG}","tenant_id":${JSON.stringify(n)},"v":1}`;
}
