/**
 * SHA-256 for the two fixed messages of an RFC 9162 tree, kept in 32-bit words:
 * a leaf `0x00 || d` (33 bytes: one block) and a node `0x01 || l || r` (65 bytes:
 * two blocks). A million-leaf rebuild is three million compressions, so this file
 * does nothing else: no allocation per hash, no byte/word round trips between
 * levels, the padding of both messages written once. The one other message it
 * hashes is an audit's receipt statement where WebAssembly cannot run (`hashBytes`,
 * twice noble's speed on such short messages); all other hashing stays with
 * @noble/hashes.
 *
 * A hash lives as 8 big-endian words at an offset of an Int32Array.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule, shared: JavaScript is single-threaded and no function here re-enters. */
const W = new Int32Array(64);

/** One compression of W[0..15] into the state at `s[o..o+8)`. */
function compress(s: Int32Array, o: number): void {
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (s1 + W[i - 7]! + s0 + W[i - 16]!) | 0;
  }
  let a = s[o]!, b = s[o + 1]!, c = s[o + 2]!, d = s[o + 3]!;
  let e = s[o + 4]!, f = s[o + 5]!, g = s[o + 6]!, h = s[o + 7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[o] = (s[o]! + a) | 0;
  s[o + 1] = (s[o + 1]! + b) | 0;
  s[o + 2] = (s[o + 2]! + c) | 0;
  s[o + 3] = (s[o + 3]! + d) | 0;
  s[o + 4] = (s[o + 4]! + e) | 0;
  s[o + 5] = (s[o + 5]! + f) | 0;
  s[o + 6] = (s[o + 6]! + g) | 0;
  s[o + 7] = (s[o + 7]! + h) | 0;
}

/** Leaf hash `SHA-256(0x00 || data[at..at+32))` into `out[o..o+8)`. */
export function leafWords(data: Uint8Array, at: number, out: Int32Array, o: number): void {
  // The 0x00 prefix shifts the data one byte into the first word.
  W[0] = (data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!;
  for (let i = 1, p = at + 3; i < 8; i++, p += 4) {
    W[i] = (data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!;
  }
  W[8] = (data[at + 31]! << 24) | 0x800000;
  W.fill(0, 9, 15);
  W[15] = 33 * 8;
  out.set(IV, o);
  compress(out, o);
}

/**
 * Node hash `SHA-256(0x01 || left || right)` into `out[o..o+8)`. `out` may be
 * the array holding either child, even at the same offset: the children are read
 * into W before the state is written.
 */
export function nodeWords(l: Int32Array, lo: number, r: Int32Array, ro: number, out: Int32Array, o: number): void {
  W[0] = 0x01000000 | (l[lo]! >>> 8);
  for (let i = 1; i < 8; i++) W[i] = (l[lo + i - 1]! << 24) | (l[lo + i]! >>> 8);
  W[8] = (l[lo + 7]! << 24) | (r[ro]! >>> 8);
  for (let i = 1; i < 8; i++) W[8 + i] = (r[ro + i - 1]! << 24) | (r[ro + i]! >>> 8);
  const last = (r[ro + 7]! << 24) | 0x800000;
  out.set(IV, o);
  compress(out, o);
  W[0] = last;
  W.fill(0, 1, 15);
  W[15] = 65 * 8;
  compress(out, o);
}

export function wordsToBytes(words: Int32Array, o: number): Uint8Array {
  const out = new Uint8Array(32);
  wordsInto(words, o, out, 0);
  return out;
}

/** Writes the hash at `words[o..o+8)` as 32 big-endian bytes at `out[at..at+32)`. */
export function wordsInto(words: Int32Array, o: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++) {
    const w = words[o + i]!;
    out[at + 4 * i] = w >>> 24;
    out[at + 4 * i + 1] = w >>> 16;
    out[at + 4 * i + 2] = w >>> 8;
    out[at + 4 * i + 3] = w;
  }
}

export function bytesToWords(bytes: Uint8Array, out: Int32Array, o: number): void {
  for (let i = 0; i < 8; i++) {
    out[o + i] = (bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!;
  }
}

/** Padding scratch for `hashBytes`: the last one or two blocks. */
const TAIL = new Uint8Array(128);

/** Plain SHA-256 of `bytes[0..length)` into `out[o..o+8)`, with no allocation (receipt statements in audits). */
export function hashBytes(bytes: Uint8Array, length: number, out: Int32Array, o: number): void {
  out.set(IV, o);
  let p = 0;
  for (; p + 64 <= length; p += 64) {
    loadBlock(bytes, p);
    compress(out, o);
  }
  const rest = length - p;
  const blocks = rest + 9 > 64 ? 2 : 1;
  TAIL.fill(0);
  TAIL.set(bytes.subarray(p, length));
  TAIL[rest] = 0x80;
  const end = 64 * blocks;
  const bitsHigh = Math.floor(length / 0x20000000);
  const bitsLow = (length * 8) >>> 0;
  for (let i = 0; i < 4; i++) {
    TAIL[end - 8 + i] = bitsHigh >>> (24 - 8 * i);
    TAIL[end - 4 + i] = bitsLow >>> (24 - 8 * i);
  }
  for (let b = 0; b < blocks; b++) {
    loadBlock(TAIL, 64 * b);
    compress(out, o);
  }
}

function loadBlock(bytes: Uint8Array, p: number): void {
  for (let i = 0; i < 16; i++, p += 4) W[i] = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
}
