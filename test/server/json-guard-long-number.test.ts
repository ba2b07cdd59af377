// A number literal longer than a body chunk's worth of arguments: the scanner (src/transport/json-guard.ts) kept
// its text with String.fromCharCode.apply over the whole literal, which throws a RangeError past ~150,000 bytes.
// A runtime that hands the body over in one chunk (a Worker, a Request built in-process) answered 500.
import { describe, expect, it } from 'vitest';
import { JsonScanner } from '../../src/transport/json-guard.js';
import { readJsonBody } from '../../src/transport/web-handler.js';
import { INGEST_KEY, inProcessServer } from '../client/helpers.js';

const ENDPOINT = 'https://aegislog.test';
const utf8 = new TextEncoder();
const digits = `1${'0'.repeat(300_000)}`;

describe('a number literal of 300,001 digits', () => {
  it('is scanned in one chunk and noted as a number a double cannot hold', () => {
    const scanner = new JsonScanner({ maxDepth: 64, maxValues: 100 });
    expect(scanner.push(utf8.encode(`{"n":${digits}}`))).toBeUndefined();
    scanner.end();
    expect(scanner.badNumbers).toEqual([5]);
    const tail = new JsonScanner({ maxDepth: 64, maxValues: 100 });
    tail.push(utf8.encode(`[${digits}`));
    tail.push(utf8.encode(`${digits}]`)); // a literal cut by the chunk's end, its rest as long again
    tail.end();
    expect(tail.badNumbers).toEqual([1]);
  });

  it('is refused by readJsonBody naming its field', async () => {
    const request = new Request('http://x/ingest', { method: 'POST', body: `{"a":[{"n":${digits}}]}` });
    const body = await readJsonBody(request, 4 << 20);
    expect(body.badNumbers).toEqual([{ path: { up: { up: { up: undefined, key: 'a' }, key: 0 }, key: 'n' }, text: digits }]);
  });

  it('is a 400 naming the field on /ingest and in a batch, never a 500', async () => {
    const srv = await inProcessServer();
    const post = (path: string, body: string) =>
      srv.fetch(`${ENDPOINT}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY }, body });
    const single = await post('/ingest', `{"event_type":"x","n":${digits}}`);
    expect(single.status).toBe(400);
    expect((await single.json()).error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'n' });
    const batch = await post('/ingest/batch', `{"events":[{"event_type":"x","event_id":"long","n":0.${'0'.repeat(300_000)}1}]}`); // 1e-300001, stored as 0
    expect(batch.status).toBe(200);
    expect(await batch.json()).toMatchObject({ receipts: [], errors: [{ index: 0, event_id: 'long', code: 'ERR_JCS_INVALID', field: 'n' }] });
  });
});
