// examples/self-hosted-worker AS WRITTEN: the reference server's fetch handler inside a Durable Object
// in real workerd, memory store and local signer; evidence checked offline with aegislog/verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { AegisLog } from '../../src/index.js';
import { generateSigningJwk } from '../../src/server/index.js';
import { importPublicKey, verifyEvidence, type VerifyKey } from '../../src/verify/index.js';
import { bundleWorker, eventually, readWrangler, requireDist, startWorker } from './workerd.js';
import { event } from './upstream.js';

const keys = [
  { key: 'sk_read_self_hosted_demo', tenant_id: 'acme', scope: 'read' },
  { key: 'sk_admin_self_hosted_demo', tenant_id: '*', scope: 'admin' },
];
let mf: Miniflare;
let publicJwk: JsonWebKey;
let pinned: VerifyKey | VerifyKey[];

beforeAll(async () => {
  requireDist('server.js');
  const privateJwk = await generateSigningJwk();
  // The auditor's pinned key: the public half, out of band.
  publicJwk = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  pinned = await importPublicKey(publicJwk);
  const config = readWrangler('examples/self-hosted-worker/wrangler.json');
  mf = await startWorker(await bundleWorker('examples/self-hosted-worker/worker.ts'), config, {
    AEGISLOG_SIGNING_JWK: JSON.stringify(privateJwk),
    AEGISLOG_KEYS: JSON.stringify(keys),
    // Short periods, so that the Durable Object's alarm seals one while the test watches.
    AEGISLOG_PERIOD_SECONDS: '4',
  });
});

afterAll(async () => {
  await mf?.dispose();
});

const call = (path: string, init: { method?: string; key?: string; body?: unknown } = {}) =>
  mf.dispatchFetch(`https://log.example${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': init.key ?? 'sk_read_self_hosted_demo', 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

const evidenceOf = async (id: string) => (await (await call(`/evidence/${id}?tenant_id=acme`)).json()) as { status: string };

describe('reference server self-hosted in workerd (Durable Object, memory store, local signer)', () => {
  it('ingest -> pending evidence -> sealed by POST /admin/seal -> verified offline against the pinned key', async () => {
    const one = event();
    const res = await call('/ingest', { method: 'POST', body: one });
    expect(res.status).toBe(200);
    const receipt = (await res.json()) as { ok: boolean; event_id: string; signature_b64url: string };
    expect(receipt).toMatchObject({ ok: true, event_id: one.event_id });
    const batch = [event(), event()];
    const answer = (await (await call('/ingest/batch', { method: 'POST', body: { events: batch } })).json()) as { receipts: unknown[]; errors: unknown[] };
    expect(answer.receipts).toHaveLength(2);

    const pending = await evidenceOf(one.event_id as string);
    // On a loaded machine the alarm may seal this short period before the request above arrives;
    // the bundle is then sealed, as it must be, and verifies the same way.
    if (pending.status !== 'pending') expect(pending.status).toBe('sealed');
    const early = await verifyEvidence(pending, { keys: pinned });
    expect(early).toMatchObject({ ok: true, status: pending.status });

    expect((await call('/admin/seal', { method: 'POST', key: 'sk_admin_self_hosted_demo' })).status).toBe(200);
    for (const e of [one, ...batch]) {
      const sealed = await evidenceOf(e.event_id as string);
      const report = await verifyEvidence(sealed, { keys: pinned });
      expect(report.status).toBe('sealed');
      expect(report.ok, JSON.stringify(report.checks)).toBe(true);
    }
  });

  it('the Durable Object alarm seals a period when it ends, with no admin call', async () => {
    const e = event();
    expect((await call('/ingest', { method: 'POST', body: e })).status).toBe(200);
    const sealed = await eventually(async () => {
      const bundle = await evidenceOf(e.event_id as string);
      return bundle.status === 'sealed' ? bundle : undefined;
    }, 12_000);
    expect((await verifyEvidence(sealed, { keys: pinned })).ok).toBe(true);
  });

  it('the client from Node records to it over real HTTP: receipt checked, verified with the pinned key', async () => {
    const endpoint = (await mf.ready).origin;
    const log = new AegisLog({ endpoint, tenantId: 'acme', apiKey: 'sk_read_self_hosted_demo', flushInterval: 0, publicKeys: publicJwk });
    const receipt = await log.recordSync('credit_decision', { outcome: 'approved' }, { model_context: { model_id: 'm', model_version: '1' } });
    const result = await log.verify(receipt.event_id);
    expect(result.status).toMatch(/pending|verified/);
    await log.close();
  });

  it('refuses bad input the same way in workerd: 400 naming the field', async () => {
    const res = await call('/ingest', { method: 'POST', body: event({ model_context: { model_id: 'm' } }) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('model_context.model_version');
  });
});
