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

test('called as a Worker fetch(request, env, ctx): the work after the response goes to ctx.waitUntil', async () => {
  const signer = await localSigner();
  const store = memoryStore();
  // Keeping signatures waits on the test, so that it can tell "handed to waitUntil" from "already done".
  let releaseSignatures!: () => void;
  const signaturesHeld = new Promise<void>((resolve) => (releaseSignatures = resolve));
  const putSignatures = store.putSignatures.bind(store);
  store.putSignatures = async (signatures) => {
    await signaturesHeld;
    return putSignatures(signatures);
  };
  let clock = Date.UTC(2026, 0, 1, 0, 0, 10);
  const server = createServer({ signer, store, keys, origin: 'edge.test/log', period: 60, now: () => clock });
  await server.ready;
  const handed: Promise<unknown>[] = [];
  const execution = { waitUntil: (task: Promise<unknown>) => void handed.push(task) };
  const ingest = new Request('http://edge.test/ingest', { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'edge' }) });
  const receipt = (await (await server(ingest, {}, execution)).json()) as Receipt;
  expect(handed).toHaveLength(1);
  expect((await store.getRecord('acme', receipt.event_id))?.signature_b64url).toBeNull();
  releaseSignatures();
  await Promise.all(handed);
  expect((await store.getRecord('acme', receipt.event_id))?.signature_b64url).toBe(receipt.signature_b64url);

  // The period has ended: the next request seals it beside itself, through waitUntil.
  clock += 60_000;
  expect((await server(new Request('http://edge.test/healthz'), {}, execution)).status).toBe(200);
  expect(handed).toHaveLength(2);
  await Promise.all(handed);
  expect((await store.latestCheckpoint())?.period_end).toBe('2026-01-01T00:01:00.000Z');
});
