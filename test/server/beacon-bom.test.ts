// A /beacon body that starts with a UTF-8 byte order mark. The decoder drops it and JSON.parse takes the rest,
// but the walk that finds the key before anything is scanned or parsed (beacon-key.ts) stopped at it: the key
// was then checked only after the body had been scanned and parsed, so that a client without any key could have
// the server parse 60 KiB bodies, the work that checking the key first is there to spare (review, 2026-12-07).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEYS, TENANT, event, start } from './helpers.js';
import type { Running } from './helpers.js';

let s: Running;
beforeAll(async () => {
  s = await start({ sqlite: false });
});
afterAll(() => s.stop());

const BOM = '\uFEFF';
// Refused by the JSON guard (nested 100 deep), which scans a body before parsing: a 401 shows the key was refused first.
const deep = `[${'['.repeat(100)}${']'.repeat(100)}]`;
const rawBeacon = (body: string) => s.call('/beacon', { key: null, method: 'POST', body, headers: { 'content-type': 'text/plain' } });
const errorOf = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string } }).error });

test('an unknown key after a byte order mark is refused before the body is scanned, as without one', async () => {
  expect(await errorOf(await rawBeacon(`{"key":"no-such-key-0000000000","events":${deep}}`))).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(await errorOf(await rawBeacon(`${BOM}{"key":"no-such-key-0000000000","events":${deep}}`))).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(await errorOf(await rawBeacon(`${BOM} {"events":${deep},"key":"no-such-key-0000000000"}`))).toMatchObject({ status: 401, code: 'unauthorized' });
});

test('a good key after a byte order mark: the events are stored as without one', async () => {
  const e = event();
  const answer = await rawBeacon(`${BOM}${JSON.stringify({ key: KEYS.ingest, events: [e] })}`);
  expect(answer.status).toBe(204);
  expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeDefined();
});
