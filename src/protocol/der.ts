import { isBytes } from './base64url.js';
import { AegisLogError } from './errors.js';

/** Order of the P-256 group, big-endian. r and s must lie in [1, n−1]. */
const P256_N = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
]);

/**
 * DER `ECDSA-Sig-Value` (as KMS `Sign` returns it) to raw r‖s (as WebCrypto
 * wants it). Strict: one encoding per signature, so nothing odd slips through:
 * short-form lengths only (a P-256 signature is under 128 bytes), minimal
 * positive INTEGERs, r and s in [1, n−1], no trailing bytes.
 */
export function derToRaw(der: Uint8Array): Uint8Array {
  if (!isBytes(der)) throw bad('must be a Uint8Array');
  if (der.length < 8 || der.length > 72) throw bad(`length ${der.length} is not that of a P-256 signature`);
  if (der[0] !== 0x30) throw bad('does not start with a SEQUENCE');
  if (der[1]! & 0x80) throw bad('uses a long-form length where DER requires the short form');
  if (der[1] !== der.length - 2) throw bad('SEQUENCE length does not match (trailing or missing bytes)');
  const raw = new Uint8Array(64);
  let pos = 2;
  for (const [name, offset] of [['r', 0], ['s', 32]] as const) {
    if (der[pos] !== 0x02) throw bad(`${name} is not an INTEGER`);
    if (pos + 2 > der.length) throw bad(`${name} runs past the end`);
    const len = der[pos + 1]!;
    if (len & 0x80) throw bad(`${name} uses a long-form length`);
    if (len === 0 || len > 33) throw bad(`${name} has length ${len}`);
    const start = pos + 2;
    const end = start + len;
    if (end > der.length) throw bad(`${name} runs past the end`);
    const first = der[start]!;
    if (first & 0x80) throw bad(`${name} is negative`);
    if (first === 0 && len > 1 && !(der[start + 1]! & 0x80)) throw bad(`${name} has a superfluous leading zero`);
    const value = der.subarray(first === 0 ? start + 1 : start, end);
    if (value.length > 32) throw bad(`${name} is longer than 32 bytes`);
    raw.set(value, offset + 32 - value.length);
    checkScalar(raw.subarray(offset, offset + 32), name);
    pos = end;
  }
  if (pos !== der.length) throw bad('has trailing bytes');
  return raw;
}

/** Raw r‖s (64 bytes) to minimal DER. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  if (!isBytes(raw)) throw bad('must be a Uint8Array');
  if (raw.length !== 64) throw bad(`raw signature must be 64 bytes, got ${raw.length}`);
  const parts = [raw.subarray(0, 32), raw.subarray(32)].map((scalar, i) => {
    checkScalar(scalar, i === 0 ? 'r' : 's');
    let start = 0;
    while (start < 31 && scalar[start] === 0) start++;
    const body = scalar.subarray(start);
    const pad = body[0]! & 0x80 ? 1 : 0;
    const out = new Uint8Array(2 + pad + body.length);
    out[0] = 0x02;
    out[1] = pad + body.length;
    out.set(body, 2 + pad);
    return out;
  });
  const [r, s] = parts as [Uint8Array, Uint8Array];
  const der = new Uint8Array(2 + r.length + s.length);
  der[0] = 0x30;
  der[1] = r.length + s.length;
  der.set(r, 2);
  der.set(s, 2 + r.length);
  return der;
}

/** A 64-byte r‖s whose scalars lie in [1, n−1]. */
export function checkRawSignature(raw: Uint8Array): void {
  if (raw.length !== 64) throw bad(`raw signature must be 64 bytes, got ${raw.length}`);
  checkScalar(raw.subarray(0, 32), 'r');
  checkScalar(raw.subarray(32), 's');
}

function checkScalar(scalar: Uint8Array, name: string): void {
  let zero = true;
  for (const b of scalar) if (b !== 0) zero = false;
  if (zero) throw bad(`${name} is zero`);
  for (let i = 0; i < 32; i++) {
    if (scalar[i]! < P256_N[i]!) return;
    if (scalar[i]! > P256_N[i]!) break;
  }
  throw bad(`${name} is not below the group order`);
}

function bad(why: string): AegisLogError {
  return new AegisLogError('ERR_DER_INVALID', `signature ${why}`, { field: 'signature' });
}
