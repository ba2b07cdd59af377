// A 409 naming a size above the checkpoint the client sent (PROTOCOL.md §4.5: resubmit from the size
// it names). In a fleet of servers on one store another process may have sealed a later checkpoint,
// and had it cosigned, after this loop read the latest: that is no fork, and it is not reported as one.
import { describe, expect, test } from 'vitest';
import type { StoredCheckpoint } from '../../src/server/index.js';
import { inProcess, setup } from './witness-client-support.js';

describe('witness client: a 409 above the checkpoint it sent', () => {
  test('is a later checkpoint of the store when there is one: sent, and no fork reported', async () => {
    const { log, store, wstore, handler, errors, client } = await setup(8);
    // The other process: it sealed 16, the witness cosigned it, and the cosignature is in the stored note.
    const answer = await handler(new Request('https://witness.test/add-checkpoint', { method: 'POST', body: await log.body(0, 16) }));
    const note16 = (await log.checkpoint(16)) + (await answer.text());
    const read = store.latestCheckpoint;
    let reads = 0;
    store.latestCheckpoint = async () => {
      // This loop read 8 before the other process stored 16.
      if (reads++ === 0) return read();
      return { seq: 1, tree_size: 16, note: note16 } as StoredCheckpoint;
    };
    const c = client('https://witness.test', { fetch: inProcess(handler) });
    c.submit();
    await c.idle();
    expect(errors).toEqual([]);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 16, last_error: null });
    expect((await wstore.latest(log.origin))?.size).toBe(16);
  });

  test('is a fork when the store has no checkpoint that large: reported, nothing sent from a size the log never had', async () => {
    const { log, handler, errors, client } = await setup(8);
    const other = await handler(new Request('https://witness.test/add-checkpoint', { method: 'POST', body: await log.body(0, 16) }));
    expect(other.status).toBe(200);
    const bodies: string[] = [];
    const seen = ((input: RequestInfo | URL, init?: RequestInit) => (bodies.push(String(init?.body)), inProcess(handler)(input, init))) as typeof fetch;
    const c = client('https://witness.test', { fetch: seen });
    c.submit();
    await c.idle();
    expect(errors).toEqual(Array(2).fill(expect.stringMatching(/^witness witness\.example\/w1 cosigned a tree of 16, larger than this log's 8: a fork/)));
    expect(bodies.map((b) => b.slice(0, b.indexOf('\n')))).toEqual(['old 0']); // the second try knows the size, and sends nothing
  });
});
