import { AegisLogError, b64uDecode, type ErrorCode } from '../protocol/index.js';

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Standard base64 with padding (RFC 4648 §4), as C2SP texts use it, read
 * strictly: padding required, no whitespace, no non-zero trailing bits, so that
 * each byte string has one spelling. Errors carry `code` (the caller's format).
 */
export function b64DecodeStrict(text: string, field: string, code: ErrorCode): Uint8Array {
  if (typeof text !== 'string' || !STANDARD.test(text) || text.length % 4 !== 0) {
    throw new AegisLogError(code, `${field} is not padded standard base64`, { field });
  }
  try {
    return b64uDecode(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), field);
  } catch (cause) {
    throw new AegisLogError(code, `${field} is not canonical base64 (non-zero trailing bits)`, { field, cause });
  }
}
