// docs/errors.md tells ERR_BAD_RESPONSE ("an answer that is not what PROTOCOL.md §8 describes: check endpoint",
// retried) from ERR_RECEIPT_MISMATCH ("a receipt whose digest, event id, tenant or signature does not match the
// event sent"). An endpoint that leads to another service (a gateway's catch-all answering 200 {"status":"ok"})
// got the first for a batch, whose events stayed queued, but the second for an event sent alone to /ingest
// (the common case: a few events a flush), which went to the dead letters and was never sent again once the
// endpoint was fixed; recordSync called such an answer a receipt whose event_id differs.
import { describe, expect, it } from 'vitest';
import { AegisLog, deadLetters } from '../../src/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

const KEY = 'ak_read_lone_answer_000001';

describe("a lone event's 200 answer that names no event", () => {
  it.each([['{"status":"ok"}'], ['{}']])('%s: not a receipt; the event stays queued and goes once the endpoint is right', async (answer) => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'lone.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'read' }], onError: () => {} });
    await server.ready;
    let fixed = false;
    const fetch = async (url: RequestInfo | URL, init?: RequestInit) =>
      fixed ? server(new Request(url, init)) : new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } });
    const log = new AegisLog({ endpoint: 'https://api.example', tenantId: 'acme', apiKey: KEY, flushInterval: 0, retry: { attempts: 0 }, onError: () => {}, fetch });
    log.record('model_inference', { n: 1 });
    const first = await log.flush();
    expect(first).toMatchObject({ sent: 0, deadLettered: 0, remaining: 1, error: { code: 'ERR_BAD_RESPONSE' } });
    await expect(log.recordSync('model_inference', { n: 2 })).rejects.toMatchObject({ code: 'ERR_BAD_RESPONSE' });
    expect(await deadLetters(log.queue)).toEqual([]);

    fixed = true;
    expect(await log.flush()).toMatchObject({ sent: 1, deadLettered: 0, remaining: 0 });
    await log.close();
    await server.settled();
  });

  it('one that names another event is still a receipt that does not match: a dead letter', async () => {
    const log = new AegisLog({
      endpoint: 'https://api.example', tenantId: 'acme', flushInterval: 0, retry: { attempts: 0 }, onError: () => {},
      fetch: async () => Response.json({ v: 1, tenant_id: 'acme', event_id: 'another', digest_b64url: 'x' }),
    });
    log.record('model_inference', {});
    expect(await log.flush()).toMatchObject({ sent: 0, deadLettered: 1 });
    await expect(log.recordSync('model_inference', {})).rejects.toMatchObject({ code: 'ERR_RECEIPT_MISMATCH', field: 'event_id' });
    await log.close();
  });
});
