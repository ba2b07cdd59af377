// A Host header (or an absolute-form target) with user info: `Host: user:pw@log.example`. WHATWG URLs keep
// it, and a Request cannot be made of a URL with credentials (undici throws a TypeError): the adapter
// answered 500 to any POST, and /checkpoints (whose handler reads request.signal) 500 too, each one
// logged as a failure of the server (review, 2026-12-07). A client's mistake: 400 naming host, as `Host: [::1`.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, listen, localSigner, memoryStore, type NodeServerHandle } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, NOTE_KEY, ORIGIN, event } from './helpers.js';

let http: NodeServerHandle;
const failures: unknown[] = [];
beforeAll(async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, onError: (e) => failures.push(e) });
  http = await listen(server, { port: 0, onError: (e) => failures.push(e) });
});
afterAll(() => http.close(100));

/** One request on a socket of its own, answered with `Connection: close`: its status and its JSON body (whatever its framing). */
function raw(request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(http.url);
  return new Promise((done, fail) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('error', fail);
    socket.on('close', () => done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1) }));
    socket.write(request);
  });
}

test.each([
  ['POST /ingest, Host with user:password', (body: string) => `POST /ingest HTTP/1.1\r\nHost: user:pw@127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`],
  ['POST /ingest, an absolute target with user info', (body: string) => `POST http://user@127.0.0.1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`],
  ['GET /checkpoints, Host with user info', () => 'GET /checkpoints HTTP/1.1\r\nHost: user@127.0.0.1\r\nConnection: close\r\n\r\n'],
])('%s → 400 naming host, not a 500 logged as the server failing', async (_, request) => {
  failures.length = 0;
  const answer = await raw(request(JSON.stringify(event())));
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'bad_request', field: 'host' } });
  expect(failures).toEqual([]);
});
