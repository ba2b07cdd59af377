import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { b64uDecode, b64uEncode, formatTime, receiptHash, tenantHeadHash } from '../../src/protocol/index.js';
import type { CheckpointHistory, EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { createServer, localSigner, memoryStore, sqliteStore } from '../../src/server/node.js';
import type { Store } from '../../src/server/node.js';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { merkleRoot, verifyConsistency } from '../../src/tlog/merkle.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems, exportProblems, type Trust } from '../support/v2-check.js';
import { bundle, spawnNode } from './child.js';
import { KEYS, KEY_CONFIG, NOTE_KEY, ORIGIN, TENANT, clock, event, start, tempDir, withServer } from './helpers.js';
import type { Running } from './helpers.js';

const MIN = 60_000;
const BOUNDARY = Date.UTC(2026, 10, 28, 9, 0, 0);
const at = (ms: number) => formatTime(ms);

const ingest = async (s: Running, tenant = TENANT, key = KEYS.ingest) => {
  const response = await s.call('/ingest', { key, json: event({ tenant_id: tenant }) });
  expect(response.status).toBe(200);
  return (await response.json()) as Receipt;
};
const historyOf = async (s: Running) => ((await (await s.call('/checkpoints')).json()) as CheckpointHistory).checkpoints;
const trustOf = async (s: Running): Promise<Trust> => ({
  receiptKeys: await importPublicKey(await s.signer.publicJwk()),
  vkeys: (await (await s.call('/.well-known/aegislog/vkeys')).text()).trim().split('\n'),
});
const evidenceOf = async (s: Running, r: Receipt, key = KEYS.read) => (await (await s.call(`/evidence/${r.event_id}?tenant_id=${r.tenant_id}`, { key })).json()) as EvidenceBundle;

/** Every consecutive pair of a history is consistent (§6.3). */
function expectConsistent(history: CheckpointHistory['checkpoints']) {
  for (let i = 1; i < history.length; i++) {
    const [a, b] = [history[i - 1]!, history[i]!].map((e) => parseCheckpoint(e.note.split('\n\n')[0] + '\n'));
    expect(history[i]!.period_start).toBe(history[i - 1]!.period_end);
    if (a!.size === b!.size) expect(b64uEncode(a!.root)).toBe(b64uEncode(b!.root));
    else expect(verifyConsistency({ size1: a!.size, size2: b!.size, root1: a!.root, root2: b!.root, proof: history[i]!.consistency_b64url!.map((p) => b64uDecode(p)) })).toBe(true);
  }
}

describe('sealing across periods (injected clock, 60 s periods, SQLite)', () => {
  test('periods are sealed on their boundaries: one head per grown tenant, appended to the root log, one note each', async () => {
    const c = clock(BOUNDARY + 5_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const a = [await ingest(s), await ingest(s, 'other', KEYS.otherRead)];
      c.advance(MIN);
      const b = [await ingest(s)];
      c.advance(MIN);
      const cReceipts = [await ingest(s), await ingest(s)];
      c.advance(MIN);
      await s.server.sealDue();
      const history = await historyOf(s);
      expect(history.map((e) => [e.period_start, e.period_end, e.tree_size])).toEqual([
        [at(BOUNDARY), at(BOUNDARY + MIN), 2],
        [at(BOUNDARY + MIN), at(BOUNDARY + 2 * MIN), 3],
        [at(BOUNDARY + 2 * MIN), at(BOUNDARY + 3 * MIN), 4],
      ]);
      expectConsistent(history);
      const trust = await trustOf(s);
      for (const [receipts, entry] of [[a, history[0]], [b, history[1]], [cReceipts, history[2]]] as const) {
        for (const r of receipts) {
          expect(r.received_at >= entry!.period_start && r.received_at < entry!.period_end).toBe(true);
          const evidence = await evidenceOf(s, r, r.tenant_id === TENANT ? KEYS.read : KEYS.otherRead);
          expect(await bundleProblems(evidence, trust)).toEqual([]);
          expect(evidence.head_inclusion!.tree_size).toBe(4); // cut to the latest checkpoint
        }
      }
      // The heads of one tenant link back, and its log never restarts: leaf indexes run on across periods.
      const heads = await s.store.heads(TENANT, undefined, 10);
      expect(heads.map((h) => [h.headIndex, h.head.prev_tree_size, h.head.tree_size, h.head.prev_head_index])).toEqual([[0, 0, 1, null], [2, 1, 2, 0], [3, 2, 4, 2]]);
      expect((await s.store.headAt(1))!.head.tenant_id).toBe('other');
      const tenantHashes = (await s.store.records(TENANT, 0, 4, 4)).map((r) => r.receiptHash);
      expect(heads[2]!.head.root_b64url).toBe(b64uEncode(merkleRoot(tenantHashes)));
      const rootHashes = await Promise.all([0, 1, 2, 3].map(async (i) => tenantHeadHash((await s.store.headAt(i))!.head)));
      expect(parseCheckpoint(history[2]!.note.split('\n\n')[0] + '\n').root).toEqual(merkleRoot(rootHashes));
      const exported = await (await s.call(`/export?period_start=${history[2]!.period_start}`)).text();
      expect(await exportProblems(exported, trust)).toEqual([]);
      expect(exported.trim().split('\n').slice(1).map((l) => (JSON.parse(l) as Receipt).event_id)).toEqual(cReceipts.map((r) => r.event_id));
    });
  });

  test('a period with no growth re-signs the same size; a run of empty periods is one history entry ending on a boundary', async () => {
    const c = clock(BOUNDARY + 1_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      await ingest(s);
      c.advance(10 * MIN + 30_000);
      const sealed = await s.server.sealDue();
      expect(sealed.map((e) => [e.period_start, e.period_end, e.tree_size])).toEqual([
        [at(BOUNDARY), at(BOUNDARY + MIN), 1],
        [at(BOUNDARY + MIN), at(BOUNDARY + 10 * MIN), 1],
      ]);
      expect(await s.server.sealDue()).toEqual([]); // idempotent
      expectConsistent(await historyOf(s));
    });
  });

  test('POST /admin/seal ends the open period after the current millisecond; later receipts, even with the clock stepping back, go to the next period', async () => {
    const c = clock(BOUNDARY + 20_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const before = await ingest(s);
      c.advance(5_000);
      await expectStatus(s.call('/admin/seal', { key: KEYS.read, method: 'POST' }), 403);
      const answer = (await (await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).json()) as { sealed: { period_start: string; period_end: string; sealed_at: string; tree_size: number }[]; latest: { note: string } };
      const sealTime = at(BOUNDARY + 25_001);
      expect(answer.sealed).toEqual([{ period_start: at(BOUNDARY), period_end: sealTime, sealed_at: sealTime, tree_size: 1 }]);
      expect(answer.latest.note).toContain(`${ORIGIN}\n1\n`);
      // Sealing again at the same instant has nothing to seal.
      expect(((await (await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).json()) as { sealed: [] }).sealed).toEqual([]);
      const same = await ingest(s); // in the millisecond the seal ended: stamped with the next
      c.advance(-3_000); // a clock that steps back must not put a receipt inside the sealed period
      const skewed = await ingest(s);
      expect([same.received_at, skewed.received_at]).toEqual([sealTime, sealTime]);
      expect(before.received_at < sealTime).toBe(true);
      c.set(BOUNDARY + MIN);
      const [next] = await s.server.sealDue();
      expect([next!.period_start, next!.period_end, next!.tree_size]).toEqual([sealTime, at(BOUNDARY + MIN), 2]);
      expect((await s.store.headFor(TENANT, sealTime))!.head).toMatchObject({ prev_tree_size: 1, tree_size: 3 });
    });
  });

  test('a receipt stamped in the very millisecond of POST /admin/seal is sealed with it: the call came after it', async () => {
    const c = clock(BOUNDARY + 20_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const receipt = await ingest(s);
      expect(receipt.received_at).toBe(at(BOUNDARY + 20_000));
      const [sealed] = await s.server.sealNow(); // the clock has not moved
      expect([sealed?.period_end, sealed?.tree_size]).toEqual([at(BOUNDARY + 20_001), 1]);
      const evidence = await evidenceOf(s, receipt, KEYS.read);
      expect(await bundleProblems(evidence, await trustOf(s))).toEqual([]);
      expect(evidence.head_inclusion!.tree_size).toBe(1);
    });
  });

  test('five concurrent POST /admin/seal seal once, with the real clock: calls that overlap share the seal, later ones find nothing new', async () => {
    await withServer({ period: 86_400 }, async (s) => {
      await ingest(s);
      type Answer = { sealed: { period_end: string }[]; latest: { period_end: string; note: string } };
      const answers = await Promise.all(Array.from({ length: 5 }, async () => (await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).json() as Promise<Answer>));
      const history = await historyOf(s);
      expect(history).toHaveLength(1);
      expect(answers.map((a) => a.sealed.length).reduce((x, y) => x + y)).toBeGreaterThanOrEqual(1);
      for (const a of answers) {
        expect(a.sealed.every((e) => e.period_end === history[0]!.period_end)).toBe(true);
        expect(a.latest).toMatchObject({ period_end: history[0]!.period_end, note: history[0]!.note });
      }
    });
  });

  test('a POST /admin/seal that joins a running seal also seals the receipts issued after that seal\'s end', async () => {
    const c = clock(BOUNDARY + 1_000);
    const base = memoryStore();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = 0;
    // The first seal is held before its commit, its end already fixed (a slow seal: many tenants, a loaded database).
    const store: Store = { ...base, async commitSeal(seal) {
      if (++holding === 1) await held;
      return base.commitSeal(seal);
    } };
    await withServer({ now: c.now, period: 86_400, store }, async (s) => {
      const early = await ingest(s);
      const first = s.server.sealNow();
      await expect.poll(() => holding).toBe(1);
      c.advance(5);
      const late = await ingest(s); // a receipt, issued before the next call
      const second = s.server.sealNow();
      release();
      const [a, b] = await Promise.all([first, second]);
      const history = await historyOf(s);
      expect(history.map((h) => h.tree_size)).toEqual([1, 2]);
      expect(a.map((cp) => cp.period_end)).toEqual([history[0]!.period_end]);
      // The joining call's answer: the seal it joined, then the one that seals what came after it.
      expect(b.map((cp) => cp.period_end)).toEqual(history.map((h) => h.period_end));
      expect(late.received_at >= history[0]!.period_end).toBe(true);
      expect(late.received_at < history[1]!.period_end).toBe(true);
      expect(early.received_at < history[0]!.period_end).toBe(true);
      // Calls that join with nothing new after the seal share it and sign nothing more.
      const [x, y] = await Promise.all([s.server.sealNow(), s.server.sealNow()]);
      expect([x, y]).toEqual([[], []]);
      expect(await historyOf(s)).toHaveLength(2);
    });
  });

  test('ingest never waits for a seal: receipts are issued while a seal is held before its commit, and land after its period', async () => {
    const c = clock(BOUNDARY + 1_000);
    const base = memoryStore();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const store: Store = { ...base, async commitSeal(seal) {
      holding = true;
      await held;
      return base.commitSeal(seal);
    } };
    await withServer({ now: c.now, period: 60, store }, async (s) => {
      const early = await ingest(s);
      c.advance(MIN);
      const sealing = s.server.sealDue();
      await expect.poll(() => holding).toBe(true);
      const during = await Promise.all([ingest(s), ingest(s, 'other', KEYS.otherRead)]);
      expect(during.every((r) => r.received_at >= at(BOUNDARY + MIN))).toBe(true);
      release();
      const [sealed] = await sealing;
      expect(sealed!.tree_size).toBe(1);
      expect((await s.store.headFor(TENANT, at(BOUNDARY)))!.head.tree_size).toBe(1);
      expect(early.received_at < at(BOUNDARY + MIN)).toBe(true);
    });
  });

  test('a restart seals the periods that ended while the server was down; the log and its origin carry on', async () => {
    const temp = await tempDir();
    try {
      const c = clock(BOUNDARY + 1_000);
      const first = await start({ now: c.now, period: 60, dir: temp.dir });
      const receipt = await ingest(first);
      await first.stop();
      c.advance(3 * MIN);
      const second = await start({ now: c.now, period: 60, dir: temp.dir });
      try {
        expect((await second.server.ready).map((e) => [e.period_start, e.period_end, e.tree_size])).toEqual([
          [at(BOUNDARY), at(BOUNDARY + MIN), 1],
          [at(BOUNDARY + MIN), at(BOUNDARY + 3 * MIN), 1],
        ]);
        expect((await historyOf(second))[0]!.sealed_at).toBe(at(BOUNDARY + 3 * MIN + 1_000));
        const later = await ingest(second);
        expect(await bundleProblems(await evidenceOf(second, receipt), await trustOf(second))).toEqual([]);
        expect((await second.store.getRecord(TENANT, later.event_id))!.leafIndex).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      await temp.remove();
    }
  });

  test('a seal that closed its period and stopped before its commit is finished at the next start, at the same end', async () => {
    const temp = await tempDir();
    try {
      const c = clock(BOUNDARY + 1_000);
      const first = await start({ now: c.now, period: 60, dir: temp.dir });
      await ingest(first);
      c.advance(20_000);
      await first.store.closePeriod(at(c.now())); // what sealNow does first; then the process "died"
      const after = await ingest(first);
      expect(after.received_at).toBe(at(BOUNDARY + 21_000));
      await first.stop();
      const second = await start({ now: c.now, period: 60, dir: temp.dir });
      try {
        const [resumed] = await second.server.ready;
        expect([resumed!.period_start, resumed!.period_end]).toEqual([at(BOUNDARY), at(BOUNDARY + 21_000)]);
        expect((await second.store.headFor(TENANT, at(BOUNDARY)))!.head.tree_size).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      await temp.remove();
    }
  });

  test('concurrent seals and ingests: each receipt in exactly one head, no leaf index twice, the history consistent', async () => {
    const c = clock(BOUNDARY + 1_000);
    await withServer({ now: c.now, period: 60 }, async (s) => {
      const receipts: Receipt[] = [];
      for (let round = 0; round < 6; round++) {
        const ingests = Array.from({ length: 5 }, (_, i) => ingest(s, i % 2 ? 'other' : TENANT, i % 2 ? KEYS.otherRead : KEYS.ingest));
        await Promise.all([s.server.sealNow(), ...ingests, s.server.sealDue()]);
        receipts.push(...(await Promise.all(ingests)));
        c.advance(700);
      }
      await s.server.sealNow();
      const history = await historyOf(s);
      expectConsistent(history);
      for (const tenant of [TENANT, 'other']) {
        const heads = await s.store.heads(tenant, undefined, 100);
        const records = await s.store.records(tenant, 0, 1000, 1000);
        expect(records.map((r) => r.leafIndex)).toEqual(records.map((_, i) => i));
        expect(heads.at(-1)!.head.tree_size).toBe(records.length);
        for (const h of heads) {
          const covered = records.slice(h.head.prev_tree_size, h.head.tree_size);
          expect(covered.every((r) => r.statement.received_at >= h.head.period_start && r.statement.received_at < h.head.period_end)).toBe(true);
          expect(h.head.root_b64url).toBe(b64uEncode(merkleRoot(records.slice(0, h.head.tree_size).map((r) => receiptHash(r.statement)))));
        }
      }
      expect(receipts).toHaveLength(30);
    });
  });
});

describe('clock jumps (policy: a forward step beyond maxClockStep is not followed)', () => {
  test('+30 days and back: no receipt is stamped in the future, and /admin/seal seals the evidence at once', async () => {
    let wall = BOUNDARY + 1_000;
    let mono = 0;
    const errors: unknown[] = [];
    await withServer({ now: () => wall, monotonicNow: () => mono, maxClockStep: 60_000, period: 86_400, onError: (e) => errors.push(e) }, async (s) => {
      const before = await ingest(s);
      mono += 1_000;
      wall += 30 * 86_400_000 + 1_000; // the wall clock jumps 30 days ahead
      const during = await ingest(s);
      expect(during.received_at).toBe(at(BOUNDARY + 2_000));
      const health = (await (await s.call('/healthz', { key: null })).json()) as { clock: { ok: boolean; ignored_forward_step_ms?: number } };
      expect(health.clock).toEqual({ ok: false, ignored_forward_step_ms: 30 * 86_400_000 });
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_CLOCK_STEP' })]);
      mono += 1_000;
      wall = BOUNDARY + 3_000; // corrected
      const after = await ingest(s);
      expect(after.received_at).toBe(at(BOUNDARY + 3_000));
      mono += 1_000;
      wall += 1_000;
      const sealed = (await (await s.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).json()) as { sealed: { tree_size: number }[] };
      expect(sealed.sealed).toHaveLength(1);
      for (const r of [before, during, after]) expect((await evidenceOf(s, r)).status).toBe('sealed');
    });
  });

  test('small forward steps (within maxClockStep) and steps back are followed; received_at never decreases', async () => {
    let wall = BOUNDARY + 1_000;
    let mono = 0;
    await withServer({ now: () => wall, monotonicNow: () => mono, maxClockStep: 60_000, period: 86_400 }, async (s) => {
      wall += 50_000;
      expect((await ingest(s)).received_at).toBe(at(BOUNDARY + 51_000));
      wall -= 40_000;
      mono += 10;
      expect((await ingest(s)).received_at).toBe(at(BOUNDARY + 51_000));
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
      const server = createServer({ signer: await localSigner(), store, keys, origin: ORIGIN, noteKey: NOTE_KEY, onError: () => {} });
      for (const key of [KEYS.ingest, 'ingest-key-beta-000000001']) {
        const answer = await server(new Request('http://x/ingest', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 'x' }) }));
        expect(answer.status).toBe(200); // both tenants in the sealed period: the seal's second head is the write that fails
      }
      const failed = await server(new Request('http://x/admin/seal', { method: 'POST', headers: { 'x-api-key': KEYS.admin } }));
      expect(failed.status).toBe(500);
      expect(await failed.text()).not.toContain('disk went away');
      expect(await store.latestCheckpoint()).toBeUndefined();
      expect(await store.logSize('')).toBe(0);
      failAt = undefined;
      const [cp] = await server.sealNow();
      expect(cp!.tree_size).toBe(2);
      await store.close();
    } finally {
      await temp.remove();
    }
  });

  for (const [step, index] of [['tile', 0], ['head', 0], ['head', 2], ['checkpoint', 0]] as const) {
    test(`kill -9 before the seal's ${step} write #${index}: reopened, there is no half seal, and sealing completes`, async () => {
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
        expect(db.prepare('SELECT count(*) FROM heads').pluck().get()).toBe(0);
        expect(db.prepare("SELECT count(*) FROM tiles WHERE log = ''").pluck().get()).toBe(0);
        expect(db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(9);
        db.close();
        const store = await sqliteStore(join(temp.dir, 'aegislog.db'));
        const signer = await localSigner({ dir: temp.dir });
        const server = createServer({ signer, store, keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY });
        // The kill came after the seal closed its period: the restart finishes that seal (or makes it, if the close was lost too).
        const sealed = [...(await server.ready), ...(await server.sealNow())];
        expect(sealed.map((c) => c.tree_size)).toEqual([3]);
        expect(await Promise.all(['t1', 't2', 't3'].map(async (t) => (await store.lastHead(t))!.head.tree_size))).toEqual([3, 3, 3]);
        const keyed = [...KEY_CONFIG, { key: 'read-key-of-t2-0000000000', tenant_id: 't2', scope: 'read' as const }];
        const reader = createServer({ signer, store, keys: keyed, origin: ORIGIN, noteKey: NOTE_KEY });
        const evidence = (await (await reader(new Request('http://x/evidence/t2-2', { headers: { 'x-api-key': 'read-key-of-t2-0000000000' } }))).json()) as EvidenceBundle;
        const vkeys = (await (await reader(new Request('http://x/.well-known/aegislog/vkeys'))).text()).trim().split('\n');
        expect(await bundleProblems(evidence, { receiptKeys: await importPublicKey(await signer.publicJwk()), vkeys })).toEqual([]);
        await store.close();
      } finally {
        await temp.remove();
      }
    });
  }

  test('a v1 data folder is refused with one line saying so', async () => {
    const temp = await tempDir();
    try {
      const db = new Database(join(temp.dir, 'aegislog.db'));
      db.exec('CREATE TABLE events (tenant_id TEXT, event_id TEXT)');
      db.close();
      await expect(sqliteStore(join(temp.dir, 'aegislog.db'))).rejects.toMatchObject({
        code: 'ERR_STORE_VERSION',
        message: expect.stringMatching(/^[^\n]*protocol v1 evidence; this server writes v2 only[^\n]*$/),
      });
    } finally {
      await temp.remove();
    }
  });
});

async function expectStatus(response: Promise<Response>, status: number) {
  const r = await response;
  expect(r.status).toBe(status);
  await r.body?.cancel();
}
