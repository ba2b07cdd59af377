import { canonicalBytes } from '../protocol/jcs.js';
import { AegisLogHttpError, ErrorCode } from '../protocol/errors.js';

/**
 * `digest_b64url` of an event (PROTOCOL.md §2) through WebCrypto and btoa, so
 * that the browser bundle carries neither a SHA-256 nor base64 tables.
 */
export async function digestOf(event: unknown): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', canonicalBytes(event) as BufferSource));
  return btoa(String.fromCharCode(...digest)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * A receipt must be about the event we sent: same event_id, tenant and digest
 * (§2: the client "must check that the receipt carries the same"). Returns the
 * error naming the first field that differs.
 */
export function receiptMismatch(receipt: unknown, event_id: string, tenant_id: string, digest_b64url: string): AegisLogHttpError | undefined {
  const expected: Record<string, string> = { event_id, tenant_id, digest_b64url };
  for (const field in expected) {
    if ((receipt as Record<string, unknown> | null)?.[field] !== expected[field]) {
      return new AegisLogHttpError(ErrorCode.ReceiptMismatch, `the receipt's ${field} differs from the event sent (${expected[field]})`, 200, { field });
    }
  }
  return undefined;
}
