// Runs in Node and again in the edge-runtime environment (Vercel Edge's globals, no Node
// built-ins): the Web entry of the server needs nothing but Request/Response and WebCrypto.
import { expect, test } from 'vitest';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems } from '../support/v2-check.js';

const KEY = 'edge-read-key-0000000000001';
const ADMIN = 'edge-admin-key-000000000001';
const keys = [
  { key: KEY, tenant_id: 'acme', scope: 'read' as const },
  { key: ADMIN, tenant_id: '*', scope: 'admin' as const },
];

async function setup() {
  const signer = await localSigner();
  const server = createServer({ signer, store: memoryStore(), keys, origin: 'edge.test/log' });
  await server.ready;
  return { server, signer };
}

test('ingest, seal and a sealed evidence bundle that the offline verifier accepts', async () => {
  const { server, signer } = await setup();
  const post = (path: string, body: unknown, key = KEY) =>
    server(new Request(`http://edge.test${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  const receipt = (await (await post('/ingest', { event_type: 'edge', model_id: 'm' })).json()) as Receipt;
  expect(receipt.ok).toBe(true);
  expect((await post('/admin/seal', {}, ADMIN)).status).toBe(200);
  const bundle = (await (await server(new Request(`http://edge.test/evidence/${receipt.event_id}`, { headers: { 'x-api-key': KEY } }))).json()) as EvidenceBundle;
  expect(bundle.status).toBe('sealed');
  const vkeys = (await (await server(new Request('http://edge.test/.well-known/aegislog/vkeys'))).text()).trim().split('\n');
  expect(await bundleProblems(bundle, { receiptKeys: await importPublicKey(await signer.publicJwk()), vkeys })).toEqual([]);
});

test('a body that never ends is cut at the limit: 413, and the stream is cancelled after about limit bytes', async () => {
  const { server } = await setup();
  let pulled = 0;
  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 16 * 1024;
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request('http://edge.test/ingest/batch', {
    method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: endless, duplex: 'half',
  } as RequestInit);
  const response = await server(request);
  expect(response.status).toBe(413);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  expect(cancelled).toBe(true);
  expect(pulled).toBeLessThanOrEqual(1024 * 1024 + 3 * 16 * 1024);
});
