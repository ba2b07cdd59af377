// client_seq 2^53 arrives in a JSON body as written (9007199254740992 is exact as a double, so the server's scan of
// number literals lets it through) and was refused as "client_seq must be an integer ≥ 1" (ERR_SCHEMA_INVALID):
// false of the value, where the same number anywhere else in the event is PROTOCOL.md §1's ERR_JCS_INVALID.
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/schema/index.js';
import { ingestServer } from './ingest-server.js';

const KEY = 'ak_ingest_client_seq_unsafe_1';
const WHY = 'is an integer beyond ±(2^53−1), which JSON parsers round';
const body = (id: string, seq: string) => `{"tenant_id":"acme","event_type":"probe","event_id":"${id}","trace_id":"${id}","client_id":"c-1","client_seq":${seq}}`;

describe('client_seq beyond 2^53−1', () => {
  const post = ingestServer(KEY, 'client-seq');

  it('is refused by validateEvent as §1 refuses it, and a bad count still as not one', () => {
    for (const seq of ['9007199254740992', '1e16']) {
      expect(() => validateEvent(JSON.parse(body('e-1', seq)))).toThrow(expect.objectContaining({ code: 'ERR_JCS_INVALID', field: 'client_seq', message: `client_seq ${WHY}` }));
    }
    for (const seq of ['0', '1.5', '"3"']) {
      expect(() => validateEvent(JSON.parse(body('e-1', seq)))).toThrow(expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: 'client_seq', message: 'client_seq must be an integer ≥ 1' }));
    }
  });

  it('is answered 400 ERR_JCS_INVALID by the server, over HTTP', async () => {
    const response = await post('/ingest', body('s-1', '9007199254740992'));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual({ code: 'ERR_JCS_INVALID', field: 'client_seq', message: `client_seq ${WHY}` });
  });
});
