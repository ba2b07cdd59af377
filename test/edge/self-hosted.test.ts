// examples/self-hosted-worker AS WRITTEN: the reference server's fetch handler inside a Durable Object
// in real workerd, memory store and local signer; evidence checked offline with aegislog/verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { AegisLog } from '../../src/index.js';
import type { EvidenceBundle } from '../../src/protocol/index.js';
import { generateSigningJwk } from '../../src/server/index.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems, checkBundle, type Trust } from '../support/v2-check.js';
import { bundleWorker, eventually, readWrangler, requireDist, startWorker } from './workerd.js';
import { event } from './upstream.js';

const keys = [
  { key: 'sk_read_self_hosted_demo', tenant_id: 'acme', scope: 'read' },
  { key: 'sk_admin_self_hosted_demo', tenant_id: '*', scope: 'admin' },
];
let mf: Miniflare;
let publicJwk: JsonWebKey;
let trust: Trust;

beforeAll(async () => {
  requireDist('server.js');
  const privateJwk = await generateSigningJwk();
  // The auditor's pinned key: the public half, out of band.
  publicJwk = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  const config = readWrangler('examples/self-hosted-worker/wrangler.json');
  mf = await startWorker(await bundleWorker('examples/self-hosted-worker/worker.ts'), config, {
    AEGISLOG_SIGNING_JWK: JSON.stringify(privateJwk),
    AEGISLOG_NOTE_KEY: (await generateNoteSigningKey(config.vars!.AEGISLOG_ORIGIN!)).skey,
    AEGISLOG_KEYS: JSON.stringify(keys),
    // Short periods, so that the Durable Object's alarm seals one while the test watches.
    AEGISLOG_PERIOD_SECONDS: '4',
  });
});

beforeAll(async () => {
  // The auditor's vkeys, as the log publishes them (pinned out of band in real life).
  const vkeys = (await (await mf.dispatchFetch('https://log.example/.well-known/aegislog/vkeys')).text()).trim().split('\n');
  trust = { receiptKeys: await importPublicKey(publicJwk), vkeys };
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

const evidenceOf = async (id: string) => (await (await call(`/evidence/${id}?tenant_id=acme`)).json()) as EvidenceBundle;

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
    expect(await bundleProblems(pending, trust)).toEqual([]);
    if (pending.status === 'pending') expect(Object.keys(await checkBundle(pending, trust))).toEqual(['digest', 'receipt_signature']);

    expect((await call('/admin/seal', { method: 'POST', key: 'sk_admin_self_hosted_demo' })).status).toBe(200);
    for (const e of [one, ...batch]) {
      const sealed = await evidenceOf(e.event_id as string);
      expect(sealed.status).toBe('sealed');
      expect(await bundleProblems(sealed, trust)).toEqual([]);
    }
  });

  it('the Durable Object alarm seals a period when it ends, with no admin call', async () => {
    const e = event();
    expect((await call('/ingest', { method: 'POST', body: e })).status).toBe(200);
    const sealed = await eventually(async () => {
      const bundle = await evidenceOf(e.event_id as string);
      return bundle.status === 'sealed' ? bundle : undefined;
    }, 12_000);
    expect(await bundleProblems(sealed, trust)).toEqual([]);
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
