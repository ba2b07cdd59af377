import { afterAll, beforeAll, expect, test } from 'vitest';
import { b64uEncode, canonicalBytes, eventDigest } from '../../src/protocol/index.js';
import type { Receipt } from '../../src/protocol/index.js';
import { KEYS, TENANT, start } from './helpers.js';
import type { Running } from './helpers.js';

/**
 * The original Python SDK sends `json.dumps(event)` with Python's defaults: `ensure_ascii=True` writes every
 * non-ASCII character as `\uXXXX` (a character outside the BMP as two), and the separators are `", "` and
 * `": "`. An event within PROTOCOL.md's 1 MiB as canonical JSON may so arrive as three times as many bytes.
 */
function pythonDumps(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pythonDumps(k)}: ${pythonDumps(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

let s: Running;
beforeAll(async () => {
  s = await start();
});
afterAll(async () => {
  await s.stop();
});

test('pythonDumps writes what Python 3 json.dumps writes', () => {
  // Python 3.11: json.dumps({"a": "é€😀", "b": [1, None, True]})
  expect(pythonDumps({ a: 'é€😀', b: [1, null, true] })).toBe('{"a": "\\u00e9\\u20ac\\ud83d\\ude00", "b": [1, null, true]}');
});

test('a Greek event just under 1 MiB as canonical JSON, sent as Python writes it (about 3 MiB), gets its receipt', async () => {
  // Greek letters are 2 bytes of UTF-8 and 6 as escapes: 170,000 of them in each of three fields.
  const text = 'Η αίτηση εγκρίθηκε μετά από ανθρώπινο έλεγχο. '.repeat(3_700).slice(0, 170_000);
  const event = { tenant_id: TENANT, event_type: 'loan_decision', event_id: 'greek-1', trace_id: 'greek-1', summary: text, reason: text, notes: text };
  const canonical = canonicalBytes(event).length;
  const body = pythonDumps(event);
  expect(canonical).toBeGreaterThan(900_000);
  expect(canonical).toBeLessThan(1024 * 1024);
  expect(body.length).toBeGreaterThan(2 * 1024 * 1024); // over the 2 MiB limit this route had

  const response = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(200);
  const receipt = (await response.json()) as Receipt;
  // The digest is of the event the app sent, not of the escapes that carried it.
  expect(receipt.digest_b64url).toBe(b64uEncode(eventDigest(event)));
  expect((await s.store.getRecord(TENANT, 'greek-1'))?.eventJson).toBe(new TextDecoder().decode(canonicalBytes(event)));
});
