// examples/self-hosted-worker AS WRITTEN, in real workerd with persisted Durable Object storage:
// one object per tenant sequences its log in SQLite, the sealer object keeps the root log and seals
// by alarm, the front Worker authenticates and routes. workerd is restarted on the same storage
// between ingest and seal: nothing lives only in memory. Evidence is checked offline.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { AegisLog } from '../../src/index.js';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { generateSigningJwk } from '../../src/server/index.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { bundleProblems, checkBundle, type Trust } from '../support/v2-check.js';
import { bundleWorker, eventually, readWrangler, requireDist, startWorker } from './workerd.js';
import { event } from './upstream.js';

const keys = [
  { key: 'sk_ingest_self_hosted_acme', tenant_id: 'acme', scope: 'ingest' },
  { key: 'sk_ingest_self_hosted_beta', tenant_id: 'beta', scope: 'ingest' },
  { key: 'sk_read_self_hosted_demo', tenant_id: 'acme', scope: 'read' },
  { key: 'sk_admin_self_hosted_demo', tenant_id: '*', scope: 'admin' },
];
const ADMIN = 'sk_admin_self_hosted_demo';
let mf: Miniflare;
let dir: string;
let start: () => Promise<Miniflare>;
let publicJwk: JsonWebKey;
let trust: Trust;
let policy: string;

beforeAll(async () => {
  requireDist('server.js');
  dir = await mkdtemp(join(tmpdir(), 'aegislog-self-hosted-'));
  const privateJwk = await generateSigningJwk();
  // The auditor's pinned key: the public half, out of band.
  publicJwk = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  const config = readWrangler('examples/self-hosted-worker/wrangler.json');
  const script = await bundleWorker('examples/self-hosted-worker/worker.ts');
  const secrets = {
    AEGISLOG_SIGNING_JWK: JSON.stringify(privateJwk),
    AEGISLOG_NOTE_KEY: (await generateNoteSigningKey(config.vars!.AEGISLOG_ORIGIN!)).skey,
    AEGISLOG_KEYS: JSON.stringify(keys),
    // Short periods, so that the sealer's alarm seals one while the test watches.
    AEGISLOG_PERIOD_SECONDS: '4',
  };
  start = () => startWorker(script, config, secrets, dir);
  mf = await start();
  // The auditor's vkeys, as the log publishes them (pinned out of band in real life).
  const vkeys = (await (await mf.dispatchFetch('https://log.example/.well-known/aegislog/vkeys')).text()).trim().split('\n');
  trust = { receiptKeys: await importPublicKey(publicJwk), vkeys };
  policy = `${vkeys.map((v) => `log ${v}`).join('\n')}\nquorum none\n`;
}, 60_000);

afterAll(async () => {
  try {
    await mf?.dispose();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

const call = (path: string, init: { method?: string; key?: string; body?: unknown } = {}) =>
  mf.dispatchFetch(`https://log.example${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': init.key ?? ADMIN, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

const evidenceOf = async (tenant: string, id: string) => (await (await call(`/evidence/${id}?tenant_id=${tenant}`)).json()) as EvidenceBundle;

async function ingest(tenant: string, count: number): Promise<Receipt[]> {
  const key = `sk_ingest_self_hosted_${tenant}`;
  const singles = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await call('/ingest', { method: 'POST', key, body: event({ tenant_id: tenant }) });
      expect(res.status).toBe(200);
      return (await res.json()) as Receipt;
    }),
  );
  const answer = (await (await call('/ingest/batch', { method: 'POST', key, body: { events: [1, 2, 3].map(() => event({ tenant_id: tenant })) } })).json()) as { receipts: Receipt[] };
  expect(answer.receipts).toHaveLength(3);
  return [...singles, ...answer.receipts];
}

describe('reference server self-hosted in workerd (a Durable Object per tenant, SQLite storage, alarm sealer)', () => {
  it('ingest for two tenants, restart workerd on the same storage, seal: every bundle verifies, leaf indexes are one sequence per tenant', async () => {
    const receipts = new Map([['acme', await ingest('acme', 8)], ['beta', await ingest('beta', 5)]]);
    const first = receipts.get('acme')![0]!;
    const pending = await evidenceOf("acme", first.event_id);
    // On a loaded machine the alarm may seal this short period first; the bundle then verifies as sealed.
    expect(await bundleProblems(pending, trust)).toEqual([]);
    if (pending.status === 'pending') expect(Object.keys(await checkBundle(pending, trust))).toEqual(['digest', 'receipt_signature']);

    // A seal cut off by the restart: its lease is still in the sealer's storage, held by a sealer that is gone.
    type Stub = { fetch(url: string, init: { method: string; body: string }): Promise<{ json(): Promise<unknown> }> };
    const sealer = (await mf.getDurableObjectNamespace('SEALER')) as unknown as { idFromName(name: string): unknown; get(id: unknown): Stub };
    const lease = ['acquireSealLease', 'a-sealer-workerd-stopped', Date.now(), 60_000];
    const taken = await sealer.get(sealer.idFromName('sealer')).fetch('https://aegislog.log-object/call', { method: 'POST', body: JSON.stringify(lease) });
    expect(await taken.json()).toEqual({ value: true });

    await mf.dispose();
    mf = await start();

    // Void since the object restarted: the seal runs now, not after the lease's 60 s (this test's 30 s timeout).
    expect((await call('/admin/seal', { method: 'POST' })).status).toBe(200);
    for (const [tenant, list] of receipts) {
      const leaves = new Set<number>();
      for (const receipt of list) {
        const bundle = await evidenceOf(tenant, receipt.event_id);
        expect(bundle.status).toBe('sealed');
        expect(bundle.receipt).toMatchObject({ received_at: receipt.received_at, signature_b64url: receipt.signature_b64url });
        expect(await bundleProblems(bundle, trust)).toEqual([]);
        const report = await verifyEvidence(bundle, { policy });
        expect([report.ok, report.checks.receipt_signature?.status]).toEqual([true, 'passed']);
        leaves.add(bundle.leaf_index);
      }
      expect([...leaves].sort((a, b) => a - b)).toEqual(list.map((_, i) => i));
    }
  });

  it('the sealer object\'s alarm seals a period when it ends, with no admin call', async () => {
    const e = event();
    expect((await call('/ingest', { method: 'POST', key: 'sk_ingest_self_hosted_acme', body: e })).status).toBe(200);
    const sealed = await eventually(async () => {
      const bundle = await evidenceOf('acme', e.event_id as string);
      return bundle.status === 'sealed' ? bundle : undefined;
    }, 20_000);
    expect(await bundleProblems(sealed, trust)).toEqual([]);
  });

  it('the client from Node records to it over real HTTP: receipt checked, verified with the pinned key', async () => {
    const endpoint = (await mf.ready).origin;
    const log = new AegisLog({ endpoint, tenantId: 'acme', apiKey: 'sk_ingest_self_hosted_acme', flushInterval: 0, publicKeys: publicJwk });
    const receipt = await log.recordSync('credit_decision', { outcome: 'approved' }, { model_context: { model_id: 'm', model_version: '1' } });
    expect(receipt.event_id).toBeTypeOf('string');
    await log.close();
  });

  it('refuses bad input the same way in workerd: 400 naming the field', async () => {
    const res = await call('/ingest', { method: 'POST', key: 'sk_ingest_self_hosted_acme', body: event({ model_context: { model_id: 'm' } }) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('model_context.model_version');
  });
});
