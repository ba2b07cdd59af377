import { AegisLogHttpError } from '../protocol/errors.js';
import type { Receipt } from '../protocol/types.js';

/**
 * `digest_b64url` of an event (PROTOCOL.md §2): SHA-256 of its canonical JSON, through WebCrypto
 * and btoa, so that the browser bundle carries neither a SHA-256 nor base64 tables. The event is
 * always one the client serialised and parsed back, which JSON.stringify writes exactly as RFC 8785
 * does but for the order of object keys: `canonical` only sorts them (a test holds it to the
 * protocol's canonicalize on the RFC 8785 vectors).
 */
export async function digestOf(event: unknown): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(event))));
  return btoa(String.fromCharCode(...digest)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** RFC 8785 text of JSON data (what JSON.parse returns): keys sorted by UTF-16 code units, the default sort. */
export function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/** An answer that could be a receipt: an object naming an event (parsed JSON: any object in it is a plain one). */
export const namesAnEvent = (answer: unknown): answer is Receipt => typeof (answer as Receipt | null)?.event_id === 'string';

/**
 * A receipt must be about the event we sent: same event_id, tenant and digest
 * (§2: the client "must check that the receipt carries the same"). Returns the
 * error naming the first field that differs.
 */
export function receiptMismatch(receipt: unknown, event_id: string, tenant_id: string, digest_b64url: string): AegisLogHttpError | undefined {
  const expected: Record<string, string> = { event_id, tenant_id, digest_b64url };
  for (const field in expected) {
    if ((receipt as Record<string, unknown> | null)?.[field] !== expected[field]) {
      return new AegisLogHttpError('ERR_RECEIPT_MISMATCH', `the receipt's ${field} differs from the event sent (${expected[field]})`, 200, { field });
    }
  }
  return undefined;
}
