import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { b64uEncode, checkpointHash, receiptHash, sha256, tenantHeadHash } from '../../src/protocol/index.js';
import type { CheckpointV1, Receipt } from '../../src/protocol/index.js';
import { evidenceBuilder } from '../../src/server/evidence.js';
import { createServer, localSigner, sqliteStore } from '../../src/server/node.js';
import { importPublicKey, merkleRoot, verifyCheckpointChain, verifyEvidence } from '../../src/verify/index.js';
import { bundle, spawnNode } from './child.js';
import { KEYS, KEY_CONFIG, TENANT, clock, event, start, tempDir, withServer } from './helpers.js';
import type { Running } from './helpers.js';

const MIN = 60_000;
const BOUNDARY = Date.UTC(2026, 10, 28, 9, 0, 0);

const ingest = async (s: Running, tenant = TENANT, key = KEYS.ingest) => {
  const response = await s.call('/ingest', { key, json: event({ tenant_id: tenant }) });
  expect(response.status).toBe(200);
  return (await response.json()) as Receipt;
};
const checkpointsOf = async (s: Running) =>
  ((await (await s.call('/checkpoints')).json()) as { checkpoints: CheckpointV1[] }).checkpoints;
const pinnedKeys = async (s: Running) => importPublicKey(await s.signer.publicJwk());

describe('sealing across periods (injected clock, 60 s periods, SQLite)', () => {
  test('periods are sealed on their boundaries, chained, and their roots rebuild from the export', async () => {
    const c = clock(BOUNDARY + 5_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const a = [await ingest(s), await ingest(s, 'other', KEYS.otherRead)];
      c.advance(MIN); // into period B: the next request seals A first
      const b = [await ingest(s)];
      c.advance(MIN);
      const cReceipts = [await ingest(s), await ingest(s)];
      c.advance(MIN);
      expect(await s.server.sealDue()).toHaveLength(1);
      const cps = await checkpointsOf(s);
      expect(cps.map((cp) => [cp.period_start, cp.period_end, cp.tree_size])).toEqual([
        [new Date(BOUNDARY).toISOString(), new Date(BOUNDARY + MIN).toISOString(), 2],
        [new Date(BOUNDARY + MIN).toISOString(), new Date(BOUNDARY + 2 * MIN).toISOString(), 1],
        [new Date(BOUNDARY + 2 * MIN).toISOString(), new Date(BOUNDARY + 3 * MIN).toISOString(), 1],
      ]);
      expect(cps[0]!.prev_b64url).toBeNull();
      expect(cps[1]!.prev_b64url).toBe(b64uEncode(checkpointHash(cps[0]!)));
      expect(cps[2]!.prev_b64url).toBe(b64uEncode(checkpointHash(cps[1]!)));
      const chain = await verifyCheckpointChain(cps, { keys: await pinnedKeys(s) });
      expect(chain).toMatchObject({ ok: true, length: 3 });

      // Every receipt falls in the period of its received_at.
      for (const [receipts, cp] of [[a, cps[0]], [b, cps[1]], [cReceipts, cps[2]]] as const) {
        for (const r of receipts) expect(r.received_at >= cp!.period_start && r.received_at < cp!.period_end).toBe(true);
      }
      // An auditor rebuilds period C's tenant root from the NDJSON export, and the global root from the heads.
      const exported = await s.call(`/export?period_start=${cps[2]!.period_start}`);
      const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as Receipt);
      expect(lines.map((r) => r.event_id)).toEqual(cReceipts.map((r) => r.event_id).sort());
      const head = (await (await s.call(`/head?period_start=${cps[2]!.period_start}`)).json()) as { tenant_head: { root_b64url: string } };
      expect(head.tenant_head.root_b64url).toBe(b64uEncode(merkleRoot(lines.map(receiptHash))));
      const heads = await s.store.tenantHeads(cps[0]!.period_start);
      expect(heads.map((h) => h.tenant_id)).toEqual([TENANT, 'other']);
      expect(cps[0]!.root_b64url).toBe(b64uEncode(merkleRoot(heads.map(tenantHeadHash))));
    });
  });

  test('a run of empty periods is sealed as one empty checkpoint ending on a boundary', async () => {
    const c = clock(BOUNDARY + 1_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      await ingest(s);
      c.advance(10 * MIN + 30_000);
      const sealed = await s.server.sealDue();
      expect(sealed.map((cp) => [cp.period_start, cp.period_end, cp.tree_size, cp.root_b64url])).toEqual([
        [new Date(BOUNDARY).toISOString(), new Date(BOUNDARY + MIN).toISOString(), 1, sealed[0]!.root_b64url],
        [new Date(BOUNDARY + MIN).toISOString(), new Date(BOUNDARY + 10 * MIN).toISOString(), 0, b64uEncode(sha256(new Uint8Array()))],
      ]);
      expect(await s.server.sealDue()).toEqual([]); // idempotent
    });
  });

  test('POST /admin/seal ends the open period now; later receipts, even with the clock stepping back, go to the next period', async () => {
    const c = clock(BOUNDARY + 20_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const before = await ingest(s);
      c.advance(5_000);
      await expectStatus(s.call('/admin/seal', { key: KEYS.read, method: 'POST' }), 403);
      const sealResponse = await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' });
      const { sealed } = (await sealResponse.json()) as { sealed: CheckpointV1[] };
      const sealTime = new Date(BOUNDARY + 25_000).toISOString();
      expect(sealed.map((cp) => [cp.period_start, cp.period_end, cp.sealed_at])).toEqual([[new Date(BOUNDARY).toISOString(), sealTime, sealTime]]);
      // Sealing again at the same instant has nothing to seal.
      expect(((await (await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).json()) as { sealed: [] }).sealed).toEqual([]);
      const same = await ingest(s);
      c.advance(-3_000); // a clock that steps back must not put a receipt inside the sealed period
      const skewed = await ingest(s);
      expect(same.received_at).toBe(sealTime);
      expect(skewed.received_at).toBe(sealTime);
      expect(before.received_at < sealTime).toBe(true);
      c.set(BOUNDARY + MIN);
      const [next] = await s.server.sealDue();
      expect([next!.period_start, next!.period_end, next!.tree_size]).toEqual([sealTime, new Date(BOUNDARY + MIN).toISOString(), 1]);
      expect(await s.store.leaves(TENANT, next!.period_start, next!.period_end)).toHaveLength(2);
      const chain = await verifyCheckpointChain(await checkpointsOf(s), { keys: await pinnedKeys(s) });
      expect(chain.ok).toBe(true);
    });
  });

  test('a restart seals the periods that ended while the server was down', async () => {
    const temp = await tempDir();
    try {
      const c = clock(BOUNDARY + 1_000);
      const first = await start({ now: c.now, period: 60, dir: temp.dir });
      const receipt = await ingest(first);
      await first.stop();
      c.advance(3 * MIN);
      const second = await start({ now: c.now, period: 60, dir: temp.dir });
      try {
        expect((await second.server.ready).map((cp) => cp.tree_size)).toEqual([1, 0]);
        const cps = await checkpointsOf(second);
        expect(cps.map((cp) => [cp.period_start, cp.tree_size])).toEqual([
          [new Date(BOUNDARY).toISOString(), 1],
          [new Date(BOUNDARY + MIN).toISOString(), 0],
        ]);
        expect(cps[1]!.period_end).toBe(new Date(BOUNDARY + 3 * MIN).toISOString());
        expect(cps[0]!.sealed_at).toBe(new Date(BOUNDARY + 3 * MIN + 1_000).toISOString());
        const evidence = await (await second.call(`/evidence/${receipt.event_id}`)).json();
        const report = await verifyEvidence(evidence, { keys: await pinnedKeys(second) });
        expect(report).toMatchObject({ ok: true, status: 'sealed' });
      } finally {
        await second.stop();
      }
    } finally {
      await temp.remove();
    }
  });

  test('concurrent seals and ingests: each receipt lands in exactly one period, no checkpoint twice', async () => {
    const c = clock(BOUNDARY + 1_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const receipts: Receipt[] = [];
      for (let round = 0; round < 6; round++) {
        // Ingests and seals race within a round; the clock moves between rounds.
        const ingests = Array.from({ length: 5 }, () => ingest(s));
        await Promise.all([s.server.sealNow(), ...ingests, s.server.sealDue()]);
        receipts.push(...(await Promise.all(ingests)));
        c.advance(700);
      }
      await s.server.sealNow();
      const cps = await checkpointsOf(s);
      for (let i = 1; i < cps.length; i++) expect(cps[i]!.period_start).toBe(cps[i - 1]!.period_end);
      for (const r of receipts) {
        const holding = cps.filter((cp) => cp.period_start <= r.received_at && r.received_at < cp.period_end);
        expect(holding).toHaveLength(1);
      }
      let leaves = 0;
      for (const cp of cps) leaves += (await s.store.leaves(TENANT, cp.period_start, cp.period_end)).length;
      expect(leaves).toBe(30);
      expect(cps.reduce((n, cp) => n + cp.tree_size, 0)).toBeGreaterThan(1);
    });
  });
});

describe('crash safety of a seal', () => {
  test('a write that fails mid-seal leaves no checkpoint; the next seal writes a complete one', async () => {
    const temp = await tempDir();
    try {
      let failAt: number | undefined = 1;
      const store = await sqliteStore(join(temp.dir, 'a.db'), {
        beforeSealWrite: (step, index) => {
          if (step === 'head' && index === failAt) throw new Error('disk went away');
        },
      });
      const keys = [...KEY_CONFIG, { key: 'ingest-key-beta-000000001', tenant_id: 'beta', scope: 'ingest' as const }];
      const server = createServer({ signer: await localSigner(), store, keys, onError: () => {} });
      for (const key of [KEYS.ingest, 'ingest-key-beta-000000001']) {
        await server(new Request('http://x/ingest', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'x' }) }));
      }
      const failed = await server(new Request('http://x/admin/seal', { method: 'POST', headers: { 'x-api-key': KEYS.admin } }));
      expect(failed.status).toBe(500);
      expect(await failed.text()).not.toContain('disk went away');
      expect(await store.latestCheckpoint()).toBeUndefined();
      failAt = undefined;
      const [cp] = await server.sealNow();
      expect(cp!.tree_size).toBe(2);
      expect(await store.tenantHeads(cp!.period_start)).toHaveLength(2);
      await store.close();
    } finally {
      await temp.remove();
    }
  });

  for (const [step, index] of [['checkpoint', 0], ['head', 0], ['head', 2]] as const) {
    test(`kill -9 before the seal's ${step} write #${index}: reopened, there is no half checkpoint, and sealing completes`, async () => {
      const temp = await tempDir();
      try {
        const child = spawnNode(await bundle('fixtures/seal-crash.ts'), [temp.dir, step, String(index)]);
        const { signal } = await child.exited;
        expect(signal).toBe('SIGKILL');
        expect(child.output()).toContain('ingested');
        expect(child.output()).not.toContain('sealed without crashing');
        const db = new Database(join(temp.dir, 'aegislog.db'));
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT count(*) FROM checkpoints').pluck().get()).toBe(0);
        expect(db.prepare('SELECT count(*) FROM tenant_heads').pluck().get()).toBe(0);
        expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(9);
        db.close();
        const store = await sqliteStore(join(temp.dir, 'aegislog.db'));
        const signer = await localSigner({ dir: temp.dir });
        const server = createServer({ signer, store, keys: KEY_CONFIG });
        const [cp] = await server.sealNow();
        expect(cp!.tree_size).toBe(3);
        expect((await store.tenantHeads(cp!.period_start)).map((h) => [h.tenant_id, h.tree_size])).toEqual([['t1', 3], ['t2', 3], ['t3', 3]]);
        const record = await store.getRecord('t2', 't2-2');
        const report = await verifyEvidence(await evidenceBuilder(store)(record!), { keys: await importPublicKey(await signer.publicJwk()) });
        expect(report).toMatchObject({ ok: true, status: 'sealed' });
        await store.close();
      } finally {
        await temp.remove();
      }
    });
  }
});

async function expectStatus(response: Promise<Response>, status: number) {
  const r = await response;
  expect(r.status).toBe(status);
  await r.body?.cancel();
}
