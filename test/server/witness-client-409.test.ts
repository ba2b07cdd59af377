// A 409 naming a size above the checkpoint the client sent (PROTOCOL.md §4.5: resubmit from the size
// it names). In a fleet of servers on one store another process may have sealed a later checkpoint,
// and had it cosigned, after this loop read the latest: that is no fork, and it is not reported as one.
import { describe, expect, test } from 'vitest';
import type { StoredCheckpoint } from '../../src/server/index.js';
import { inProcess, setup } from './witness-client-support.js';

/** The bench with the witness already at 16 (another process's seal), and the store's latest read as 8 first, then as `later`. */
async function fleet(later: (note16: string, log: Awaited<ReturnType<typeof setup>>['log']) => Promise<StoredCheckpoint>, answer409 = (r: Response) => r) {
  const bench = await setup(8);
  const { log, store, handler } = bench;
  const answer = await handler(new Request('https://witness.test/add-checkpoint', { method: 'POST', body: await log.body(0, 16) }));
  expect(answer.status).toBe(200);
  const next = await later((await log.checkpoint(16)) + (await answer.text()), log);
  const read = store.latestCheckpoint;
  let reads = 0;
  store.latestCheckpoint = async () => (reads++ === 0 ? read() : next);
  const bodies: string[] = [];
  const seen = (async (input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(String(init?.body));
    const response = await inProcess(handler)(input, init);
    return response.status === 409 ? answer409(response) : response;
  }) as typeof fetch;
  return { ...bench, bodies, c: bench.client('https://witness.test', { fetch: seen }) };
}

const oldLines = (bodies: string[]) => bodies.map((b) => b.slice(0, b.indexOf('\n')));

describe('witness client: a 409 above the checkpoint it sent', () => {
  test('is the later checkpoint of the store, already cosigned there: nothing more is sent, no fork reported', async () => {
    const { errors, bodies, c } = await fleet(async (note16) => ({ seq: 1, tree_size: 16, note: note16 }) as StoredCheckpoint);
    c.submit();
    await c.idle();
    expect(errors).toEqual([]);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 16, last_error: null });
    expect(oldLines(bodies)).toEqual(['old 0']);
  });

  test('is a later checkpoint of the store not yet cosigned: sent from the size the witness named', async () => {
    const { log, wstore, errors, bodies, c } = await fleet(async (_note16, log) => ({ seq: 2, tree_size: 20, note: await log.checkpoint(20) }) as StoredCheckpoint);
    c.submit();
    await c.idle();
    expect(errors).toEqual([]);
    expect(oldLines(bodies)).toEqual(['old 0', 'old 16']);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 20, last_error: null });
    expect((await wstore.latest(log.origin))?.size).toBe(20);
  });

  test('names its size under a content type spelt in other case (media types are case-insensitive): sent from that size', async () => {
    // RFC 9110 §8.3.1: type and subtype are case-insensitive; a witness behind a proxy that rewrites the header was read as refusing.
    const { errors, bodies, c } = await fleet(
      async (_note16, log) => ({ seq: 2, tree_size: 20, note: await log.checkpoint(20) }) as StoredCheckpoint,
      (r) => new Response(r.body, { status: 409, headers: { 'content-type': 'Text/X.Tlog.Size' } }),
    );
    c.submit();
    await c.idle();
    expect(errors).toEqual([]);
    expect(oldLines(bodies)).toEqual(['old 0', 'old 16']);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 20, last_error: null });
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
    expect(oldLines(bodies)).toEqual(['old 0']); // the second try knows the size, and sends nothing
  });
});
