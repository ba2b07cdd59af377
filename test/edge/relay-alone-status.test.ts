// An event that alone does not fit a batch request goes to the upstream's /ingest (forward.ts), and an
// answer there that is not about the event is passed on as the relay passes any upstream answer. A status
// that carries no body (204, 205, 304: an `endpoint` that does not lead to the API) made the relay build a
// Response with one, which throws a TypeError: the browser got 502 "the AegisLog API did not answer:
// TypeError", where the same answer on /ingest is worded "the AegisLog API answered the relay 204: its
// endpoint does not lead to the API's ingest routes". Against a real upstream on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../src/edge/index.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
let server: Server;
let relay: Relay;
const status = { value: 204 };

beforeAll(async () => {
  server = createServer((req, res) => void req.resume().on('end', () => res.writeHead(status.value).end()));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  // A limit of the operator's own above 1 MiB: a batch of one event near 1 MiB is read, and does not fit a batch request upstream.
  relay = createRelay({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk_ingest', allowedOrigins: [APP], maxBodyBytes: 2 * 1024 * 1024 });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

const post = (path: string, body: unknown) =>
  new Request(`https://relay.example.com/aegislog${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: APP }, body: JSON.stringify(body) });

/** An event of 1 MiB less 8 bytes as canonical JSON: taken by the server, but over 1 MiB with the batch envelope. */
function nearLimit() {
  const e = event({ text: '' });
  e.text = 'x'.repeat(1024 * 1024 - 8 - JSON.stringify(e).length);
  return e;
}

describe('relay: an event sent alone upstream, answered with a status that has no body', () => {
  it.each([204, 205, 304])('%d: the same 502 bad_gateway, in the same words, as on /ingest', async (code) => {
    status.value = code;
    const e = nearLimit();
    const single = await relay(post('/ingest', e));
    const alone = await relay(post('/ingest/batch', { events: [e] }));
    const [a, b] = [await single.json(), await alone.json()];
    expect(a).toEqual({ error: { code: 'bad_gateway', message: `the AegisLog API answered the relay ${code}: its endpoint does not lead to the API's ingest routes` } });
    expect({ status: alone.status, body: b }).toEqual({ status: single.status, body: a });
  });
});
