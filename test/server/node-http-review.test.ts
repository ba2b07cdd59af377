// The Node adapter (src/server/node-http.ts), found in review (2026-12-04). Real sockets on 127.0.0.1.
import { afterEach, expect, test } from 'vitest';
import { listen, type NodeServerHandle } from '../../src/server/node.js';

const handles: NodeServerHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close(100);
});

test('a handler slower than sendTimeout still answers: the timeout is for a client that stops reading, not for the server at work', async () => {
  // The server's own wait (POST /admin/seal waits up to 120 s for a lease held elsewhere, then answers 503)
  // used to be cut at sendTimeout: the socket was idle, so Node destroyed it and the client got no answer.
  const sendTimeout = 100;
  const http = await listen(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 5 * sendTimeout)); // the server at work, sending nothing
      return new Response('done');
    },
    { port: 0, limits: { sendTimeout } },
  );
  handles.push(http);
  const answer = await fetch(`${http.url}/slow`, { method: 'POST', body: '{}' });
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe('done');
  // And on the same kept-alive connection, a second time.
  const again = await fetch(`${http.url}/slow`);
  expect(await again.text()).toBe('done');
});
