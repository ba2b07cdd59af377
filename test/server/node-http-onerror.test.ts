// The Node adapter (src/server/node-http.ts) with an onError that throws (a logger that has failed) when an
// answer fails under it: an export whose store read fails mid-stream errors its body, as the server's does.
// Nobody awaits the adapter's work on a request: what it lets escape is an unhandled rejection, which ends a
// Node process. Real sockets on 127.0.0.1.
import { afterEach, expect, test } from 'vitest';
import { listen, type NodeServerHandle } from '../../src/server/node.js';

const handles: NodeServerHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close(0);
});

test('an answer that fails mid-body with an onError that throws: the connection is cut, no unhandled rejection', async () => {
  const thrown: unknown[] = [];
  const http = await listen(
    async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"v":2}\n'));
          },
          async pull() {
            await new Promise((resolve) => setImmediate(resolve)); // the store's read of the next page…
            throw new Error('the database is unavailable'); // …fails
          },
        }),
        { headers: { 'content-type': 'application/x-ndjson' } },
      ),
    {
      port: 0,
      onError: (error) => {
        thrown.push(error);
        throw new Error('the logger is down');
      },
    },
  );
  handles.push(http);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const answer = await fetch(`${http.url}/export`);
    expect(answer.status).toBe(200);
    const body = answer.text().then(
      () => 'whole',
      () => 'cut',
    );
    while (thrown.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // Macrotasks pass, so that Node would have reported a rejection nobody handled.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect((thrown[0] as Error).message).toBe('the database is unavailable');
    expect(unhandled).toEqual([]);
    // A reader must not take the cut answer for a whole one.
    expect(await body).toBe('cut');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
