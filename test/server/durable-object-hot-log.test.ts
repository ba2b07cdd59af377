import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { AppendOutcome, LogObject } from '../../src/server/index.js';
import { createSealer } from '../../src/server/sealer.js';
import { entry } from './store-conformance.js';
import { localStorage } from './durable-storage.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * One tenant log, hot (many appends at once, repeated ids among them, several entries each, new and
 * stored mixed), sealed back to back with `sealNow` (each seal disarms it if every entry is before its end), with
 * the root's and the log's answers delayed by random turns. Counts arms and plans; every append must be answered
 * (no ERR_STORE_UNAVAILABLE), every id stored once, every answer naming that record, and all sealed at the end.
 */
const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: a hot log sealed back to back`, async () => {
    const r = seededRandom(seed);
    const delay = async () => {
      const x = r();
      if (x < 0.3) return;
      if (x < 0.85) for (let i = Math.floor(r() * 6); i >= 0; i--) await Promise.resolve();
      else await new Promise((res) => setTimeout(res, 0));
    };
    const rootStorage = localStorage();
    const root = rootLogObject(rootStorage);
    const calls: Record<string, number> = {};
    const toRoot: LogObject = {
      async fetch(request) {
        const m = await methodOf(request);
        calls[m] = (calls[m] ?? 0) + 1;
        await delay();
        const a = await root.fetch(request);
        await delay();
        return a;
      },
    };
    const tenantStorage = localStorage();
    const object = tenantLogObject(tenantStorage, () => toRoot);
    const toTenant: LogObject = {
      async fetch(request) {
        await delay();
        const a = await object.fetch(request);
        await delay();
        return a;
      },
    };
    const store = durableObjectStore({ root: () => toRoot, tenant: () => toTenant });
    let now = Date.UTC(2026, 10, 28, 9);
    const sealer = createSealer({ store, periodMs: 60_000, now: () => now, signCheckpoint: async (size) => `note ${size}\n` });
    const failures: string[] = [];
    const answers = new Map<string, Set<number>>();
    let n = 0;
    let stop = false;
    const sealing = (async () => {
      let seals = 0;
      while (!stop) {
        now += 1 + Math.floor(r() * 5);
        await sealer.sealNow().catch((e) => failures.push(`seal: ${(e as Error).message}`));
        seals++;
      }
      return seals;
    })();
    for (let round = 0; round < 150; round++) {
      for (let w = Math.floor(r() * 12); w > 0; w--) await new Promise((res) => setTimeout(res, 0));
      const ops: Promise<void>[] = [];
      for (let k = 0; k < 1 + Math.floor(r() * 10); k++) {
        const ids = Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.3 && n > 0 ? `e${Math.floor(r() * n)}` : `e${n++}`));
        ops.push(
          store.append({ tenantId: 'hot', entries: ids.map((id) => entry('hot', id)), now, keyId: 'k1', sha256 }).then(
            (out: AppendOutcome[]) => {
              for (const o of out) {
                const rec = o.stored ? o.record : o.existing;
                if (!answers.has(rec.statement.event_id)) answers.set(rec.statement.event_id, new Set());
                answers.get(rec.statement.event_id)!.add(rec.leafIndex);
              }
            },
            (e) => void failures.push(`append: ${(e as Error).message}`),
          ),
        );
      }
      await Promise.all(ops);
      now += Math.floor(r() * 3);
    }
    stop = true;
    const seals = await sealing;
    now += 120_000;
    await sealer.sealDue();
    await sealer.sealNow();
    const size = await store.logSize('hot');
    const records = await store.records('hot', 0, size, size);
    expect(new Set(records.map((x) => x.statement.event_id)).size).toBe(size);
    for (const x of records) expect([...(answers.get(x.statement.event_id) ?? [])], x.statement.event_id).toEqual([x.leafIndex]);
    expect((await store.lastHead('hot'))?.head.tree_size).toBe(size);
    expect(await store.earliestPending()).toBeUndefined();
    expect(failures).toEqual([]);
    // The case the test is for happened: seals ran between the appends, and disarmed the log for them to arm again.
    expect(seals).toBeGreaterThan(0);
    expect(calls.arm ?? 0).toBeGreaterThan(1);
  }, 120_000);
}
