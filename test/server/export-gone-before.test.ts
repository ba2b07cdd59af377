// A client may be gone before the export handler looks at request.signal: a host aborts it then (the
// Node adapter builds a GET's Request lazily, after the close; Deno and workerd abort it as the client
// goes). The export must let go of its slot in flight then too: nobody will pull or cancel its body.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEYS, TENANT, event, start } from './helpers.js';
import type { Running } from './helpers.js';

let s: Running;
beforeAll(async () => {
  s = await start({ limits: { keyInFlight: 1 } });
  // More than one page (500 lines): the stream's first pull does not finish the export.
  for (const n of [500, 1]) {
    const response = await s.call('/ingest/batch', { key: KEYS.ingest, json: { events: Array.from({ length: n }, () => event()) } });
    expect(response.status).toBe(200);
  }
});
afterAll(() => s.stop());

const exportPath = `/export?tenant_id=${TENANT}`;

test('an export whose request was aborted already holds no slot in flight', async () => {
  const client = new AbortController();
  client.abort();
  const response = await s.server.fetch(new Request(`${s.url}${exportPath}`, { headers: { 'x-api-key': KEYS.read }, signal: client.signal }));
  expect(response.status).toBe(200);
  // Its body is never read: the client is gone. The key's one slot must be free.
  const next = await s.call(exportPath, { key: KEYS.read });
  expect(next.status).toBe(200);
  await next.body?.cancel();
});
