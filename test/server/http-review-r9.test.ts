// Round 9 review of the server's HTTP layer: each test shows a fault found, failing before its mend.
// Real HTTP on 127.0.0.1, a real SQLite store (helpers.ts).
import { describe, expect, test } from 'vitest';
import { KEYS, event, withServer } from './helpers.js';

describe('POST /beacon', () => {
  test('an admin key in a beacon body is refused as "an admin key", as every other refusal words it', async () => {
    await withServer({}, async (s) => {
      const response = await s.call('/beacon', { key: null, method: 'POST', body: JSON.stringify({ key: KEYS.admin, events: [event()] }), headers: { 'content-type': 'text/plain' } });
      const { error } = (await response.json()) as { error: { code: string; message: string; field?: string } };
      expect({ status: response.status, code: error.code, field: error.field }).toEqual({ status: 403, code: 'forbidden', field: 'key' });
      expect(error.message).toMatch(/^an admin key is a secret/);
    });
  });
});
