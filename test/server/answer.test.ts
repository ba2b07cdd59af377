// JSON answers kept in parts (src/server/answer.ts): the same text as one JSON.stringify, and the same bytes
// on the socket through the Node adapter as through the server's fetch, for a batch of 250 receipts.
import { describe, expect, test } from 'vitest';
import { JsonAnswer, jsonListAnswer } from '../../src/server/answer.js';
import { createServer, listen, localSigner, memoryStore } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN } from './helpers.js';

describe('jsonListAnswer', () => {
  const item = (i: number) => ({ ok: true, event_id: `e-${i}`, note: i % 7 ? 'plain' : 'é "quoted" \u2028' });
  test.each([0, 1, 99, 100, 101, 250])('%i items: the text JSON.stringify gives, in parts of 100', (n) => {
    const items = Array.from({ length: n }, (_, i) => item(i));
    for (const rest of [{}, { errors: [] }, { errors: [{ index: 3, code: 'x' }], more: 1 }]) {
      const answer = jsonListAnswer(200, 'receipts', items, rest, { 'x-extra': '1' });
      expect(answer.text).toBe(JSON.stringify({ receipts: items, ...rest }));
      expect(answer.parts.length).toBe(Math.ceil(n / 100) + 2);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.headers['x-extra']).toBe('1');
    }
  });
  test('one string is one part', () => {
    expect(new JsonAnswer(200, '{}', {}).parts).toEqual(['{}']);
  });
});

test('a batch answer in parts reaches the socket as fetch() makes it: status, length and bytes', async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG });
  const served = await listen(server, { port: 0 });
  try {
    const events = (tag: string) => JSON.stringify({ events: Array.from({ length: 250 }, (_, i) => ({ event_type: 'model_inference', event_id: `${tag}-${i}`, payload: { n: i, text: 'é' } })) });
    const headers = { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' };
    // The same events twice: the second answer is all duplicates, so both paths answer the same receipts.
    const body = events('same');
    const first = await server.fetch(new Request(`${served.url}/ingest/batch`, { method: 'POST', headers, body }));
    const viaFetch = await first.text();
    const again = await fetch(`${served.url}/ingest/batch`, { method: 'POST', headers, body });
    expect(again.status).toBe(200);
    const viaSocket = await again.text();
    expect(Number(again.headers.get('content-length'))).toBe(Buffer.byteLength(viaSocket));
    const [a, b] = [JSON.parse(viaFetch), JSON.parse(viaSocket)];
    expect(a.receipts).toHaveLength(250);
    expect(b.errors).toEqual([]);
    expect(b.receipts).toEqual(a.receipts.map((r: object) => ({ ...r, duplicate: true })));
  } finally {
    await served.close();
  }
});
