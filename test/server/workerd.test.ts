import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Miniflare } from 'miniflare';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems } from '../support/v2-check.js';
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
    const text = await response.text();
    return { status: response.status, body: (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as unknown };
  };
  const ingest = await call('/ingest', KEYS[0]!.key, { event_type: 'worker', model_id: 'm' });
  expect(ingest.status).toBe(200);
  const receipt = ingest.body as Receipt;
  expect((await call('/admin/seal', KEYS[1]!.key, {})).status).toBe(200);
  const evidence = await call(`/evidence/${receipt.event_id}`, KEYS[0]!.key);
  const bundle = evidence.body as EvidenceBundle;
  expect(bundle.status).toBe('sealed');
  // Only a test may take the keys from the server it checks; an auditor pins them out of band.
  const jwks = (await call('/.well-known/aegislog/keys.json', '')).body;
  const vkeys = ((await call('/.well-known/aegislog/vkeys', '')).body as string).trim().split('\n');
  expect(await bundleProblems(bundle, { receiptKeys: await importPublicKey(jwks), vkeys })).toEqual([]);
});
