import { expect, test } from 'vitest';
import { b64uEncode, formatTime, sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject } from '../../src/server/index.js';
import type { LogObject, Store } from '../../src/server/index.js';
import { createSealer } from '../../src/server/sealer.js';
import { rootFromTiles } from '../../src/tlog/tile-proofs.js';
import { entry } from './store-conformance.js';
import { localStorage, tenantObjects } from './durable-storage.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * The Durable Object store under a seeded mix of concurrent appends (repeats and lagging clocks among them),
 * seals from two sealers (one 5 s behind), caps on tenant calls (as workerd caps an invocation's subrequests),
 * one-off failures of root calls, and root restarts; after every step: each head's size and root are those of its
 * log at its end, every entry before the latest end is in a head, every log with an entry no head covers is
 * armed, and `earliestPending` is no later than the earliest such entry. A last seal with nothing failing covers all.
 */
const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

function deployment() {
  const rootStorage = localStorage();
  let root = rootLogObject(rootStorage);
  const failing = new Set<string>();
  const toRoot: LogObject = {
    async fetch(request) {
      const m = await methodOf(request);
      if (failing.delete(m)) throw new Error(`${m} failed (injected)`);
      await Promise.resolve();
      return root.fetch(request);
    },
  };
  const { objectOf } = tenantObjects(() => toRoot);
  let allowed = Infinity;
  const tenant = (capped: boolean) => (id: string): LogObject => ({
    async fetch(request) {
      if (capped) {
        if (allowed <= 0) throw new Error('Too many subrequests.');
        allowed--;
      }
      return objectOf(id).fetch(request);
    },
  });
  return {
    rootStorage,
    failOnce: (m: string) => void failing.add(m),
    clearFailing: () => failing.clear(),
    cap: (n: number) => void (allowed = n),
    restartRoot: () => void (root = rootLogObject(rootStorage)),
    store: (capped = true): Store => durableObjectStore({ root: () => toRoot, tenant: tenant(capped) }),
  };
}

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 28, 9);

async function check(d: ReturnType<typeof deployment>, tenants: string[], where: string) {
  const s = d.store(false);
  const latest = await s.latestCheckpoint();
  const armed = new Set(d.rootStorage.sql.exec('SELECT tenant_id FROM armed').toArray().map((r) => r.tenant_id as string));
  let earliest: string | undefined;
  for (const t of tenants) {
    const size = await s.logSize(t);
    const last = await s.lastHead(t);
    const covered = last?.head.tree_size ?? 0;
    // every head right
    let after: number | null = null;
    for (;;) {
      const page = await s.heads(t, after ?? undefined, 100);
      if (page.length === 0) break;
      for (const h of page) {
        const want = await s.sizeAt(t, h.head.period_end);
        expect(h.head.tree_size, `${where}: ${t} head at ${h.head.period_end}`).toBe(want);
        expect(h.head.root_b64url, `${where}: ${t} root`).toBe(b64uEncode(await rootFromTiles(want, { read: (refs) => s.readTiles(t, refs) })));
        after = h.headIndex;
      }
    }
    if (latest) {
      const sealedSize = await s.sizeAt(t, latest.period_end);
      expect(covered, `${where}: ${t} entries before ${latest.period_end} not in a head`).toBeGreaterThanOrEqual(sealedSize);
    }
    if (size > covered) {
      expect(armed.has(t), `${where}: ${t} has uncovered entries (${covered}..${size}) and is not armed`).toBe(true);
      const page = await s.records(t, covered, covered + 1, 1);
      const time = page[0]!.statement.received_at;
      if (earliest === undefined || time < earliest) earliest = time;
    }
  }
  const ep = await s.earliestPending();
  if (earliest !== undefined) expect(ep !== undefined && ep <= earliest, `${where}: earliestPending ${ep} vs true ${earliest}`).toBe(true);
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`seed ${seed}: 150 steps, every invariant after each`, async () => {
    const r = seededRandom(seed);
    const d = deployment();
    const tenants = Array.from({ length: 8 }, (_, i) => `t${i}`);
    let now = T0;
    const stores = [d.store(), d.store()];
    const sealers = stores.map((store, i) => createSealer({ store, periodMs: MIN, now: () => now + (i === 1 ? -5_000 : 0), signCheckpoint: async (size) => `note ${size}\n` }));
    let n = 0;
    const log: string[] = [];
    const append = (t: string, dup = false) => {
      const id = dup && n > 0 ? `e${Math.floor(r() * n)}` : `e${n++}`;
      const lag = r() < 0.2 ? -Math.floor(r() * 90_000) : 0;
      return stores[0]!.append({ tenantId: t, entries: [entry(t, id)], now: now + lag, keyId: 'k1', sha256 }).catch((e) => log.push(`append ${t} failed ${(e as Error).message}`));
    };
    const failable = ['keepCloses', 'commitSeal', 'closeArmed', 'noteSince', 'arm', 'disarm', 'closedLogs', 'tenantHeads', 'acquireSealLease', 'logSize'];
    for (let step = 0; step < 150; step++) {
      const x = r();
      if (x < 0.45) {
        const ops = [];
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) ops.push(append(tenants[Math.floor(r() * tenants.length)]!, r() < 0.15));
        await Promise.all(ops);
      } else if (x < 0.6) {
        now += Math.floor(r() * 90_000);
      } else if (x < 0.9) {
        if (r() < 0.5) d.cap(1 + Math.floor(r() * 6));
        if (r() < 0.3) d.failOnce(failable[Math.floor(r() * failable.length)]!);
        const sealer = sealers[Math.floor(r() * 2)]!;
        const ops: Promise<unknown>[] = [(r() < 0.3 ? sealer.sealNow() : sealer.sealDue()).then((cps) => log.push(`sealed ${cps.map((c) => c.period_end)}`), (e) => log.push(`seal failed ${(e as Error).message}`))];
        if (r() < 0.5) ops.push(append(tenants[Math.floor(r() * tenants.length)]!));
        if (r() < 0.2) ops.push(Promise.resolve().then(() => d.restartRoot()));
        await Promise.all(ops);
        d.cap(Infinity);
        d.clearFailing();
      } else {
        d.restartRoot();
      }
      await check(d, tenants, `seed ${seed} step ${step} (${log.slice(-3).join(' | ')})`);
    }
    // finally everything seals
    now += 10 * MIN;
    const last = await sealers[0]!.sealDue();
    void last;
    await check(d, tenants, `seed ${seed} final`);
    const s = d.store(false);
    const latest = (await s.latestCheckpoint())!;
    for (const t of tenants) expect((await s.lastHead(t))?.head.tree_size ?? 0, `${t} final`).toBe(await s.sizeAt(t, latest.period_end));
  }, 120_000);
}
