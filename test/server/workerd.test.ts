import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Miniflare } from 'miniflare';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { bundleWorker, requireDist, startWorker } from '../edge/workerd.js';

/**
 * The Web entry of the server in real workerd (miniflare), built from dist/ as
 * a Worker would get it: ingest, seal, and a sealed evidence bundle that the
 * offline verifier accepts in Node.
 */
const KEYS = [
  { key: 'worker-read-key-000000001', tenant_id: 'acme', scope: 'read' },
  { key: 'worker-admin-key-00000001', tenant_id: '*', scope: 'admin' },
];
let mf: Miniflare;

beforeAll(async () => {
  requireDist('server.js');
  const script = await bundleWorker('test/server/fixtures/worker.mjs');
  mf = await startWorker(script, { compatibility_date: '2025-09-01' }, { KEYS: JSON.stringify(KEYS) });
}, 60_000);
afterAll(() => mf?.dispose());

test('createServer runs in workerd: receipts, sealing and verifiable evidence', async () => {
  const call = async (path: string, key: string, body?: unknown) => {
    const response = await mf.dispatchFetch(`http://worker.test${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const ingest = await call('/ingest', KEYS[0]!.key, { event_type: 'worker', model_id: 'm' });
  expect(ingest.status).toBe(200);
  const receipt = ingest.body as Receipt;
  expect((await call('/admin/seal', KEYS[1]!.key, {})).status).toBe(200);
  const evidence = await call(`/evidence/${receipt.event_id}`, KEYS[0]!.key);
  const bundle = evidence.body as EvidenceBundleV1;
  expect(bundle.status).toBe('sealed');
  // Only a test may take the key from the server it checks; an auditor pins it out of band.
  const jwks = (await call('/.well-known/aegislog/keys.json', '')).body;
  const report = await verifyEvidence(bundle, { keys: await importPublicKey(jwks) });
  expect(report).toMatchObject({ ok: true, status: 'sealed' });
});
