import { expect, test } from 'vitest';
import { formatTime, sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { DurableStorageLike, LogObject } from '../../src/server/index.js';
import { answerLogCall } from '../../src/server/log-object-wire.js';
import { entry, sealOf } from './store-conformance.js';
import { ROOT_SCHEMA_BEFORE, localStorage } from './durable-storage.js';

/**
 * Tenant logs of this version appending (concurrently, repeated and mixed ids) against a root of the
 * version before (`register` only), the root deployed in the middle of a burst (some appends' `arm` meet the
 * version before and their `register` this one's), seals of this version after, appends beside them. Every entry
 * ends up in a head, each id once.
 */
const T = (m: number) => formatTime(Date.UTC(2026, 10, 28, 9, m));

for (const deployAfter of [0, 1, 2, 3, 5, 8, 13]) {
  test(`the root deployed after ${deployAfter} root calls of a burst: every entry is sealed`, async () => {
    const rootStorage = localStorage();
    rootStorage.sql.exec(ROOT_SCHEMA_BEFORE);
    const registry = (sql: string, ...args: unknown[]) => rootStorage.sql.exec(sql, ...args).toArray();
    const before = { register(id: string) { registry('INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING', id); return registry("SELECT value FROM meta WHERE key = 'closed_until'")[0]?.value; } };
    let root: LogObject | undefined; // this version's, once deployed
    let callsLeft = Infinity;
    const toRoot: LogObject = {
      async fetch(request) {
        for (let i = 0; i < 3; i++) await Promise.resolve();
        if (root === undefined && callsLeft-- <= 0) root = rootLogObject(rootStorage);
        return root ? root.fetch(request) : answerLogCall(before, request);
      },
    };
    const storages = new Map<string, DurableStorageLike>();
    const objects = new Map<string, LogObject>();
    const tenant = (id: string): LogObject => {
      if (!objects.has(id)) {
        storages.set(id, localStorage());
        objects.set(id, tenantLogObject(storages.get(id)!, () => toRoot));
      }
      const o = objects.get(id)!;
      return { fetch: async (r) => { await Promise.resolve(); return o.fetch(r); } };
    };
    const store = durableObjectStore({ root: () => toRoot, tenant });
    const tenants = ['a', 'b', 'c'];
    const append = (t: string, ids: string[], m: number) => store.append({ tenantId: t, entries: ids.map((id) => entry(t, id)), now: Date.parse(T(m)), keyId: 'k1', sha256 });
    // Before the deploy: each log appended once (registered).
    for (const t of tenants) await append(t, [`${t}0`], 0);
    // A burst, the deploy among its root calls.
    callsLeft = deployAfter;
    await Promise.all(tenants.flatMap((t) => [append(t, [`${t}1`, `${t}0`], 1), append(t, [`${t}1`, `${t}2`], 1), append(t, [`${t}3`], 1), append(t, [`${t}2`], 1)]));
    root ??= rootLogObject(rootStorage);
    // Seals of this version, appends beside each.
    for (let k = 2; k < 6; k++) {
      const [seal] = await Promise.all([sealOf(store, k === 2 ? T(0) : T(k - 1), T(k)), ...tenants.map((t) => append(t, [`${t}x${k}`, `${t}1`], k))]);
      await store.commitSeal(seal);
    }
    const last = T(10);
    await store.commitSeal(await sealOf(store, T(5), last));
    for (const t of tenants) {
      const size = await store.logSize(t);
      const records = await store.records(t, 0, size, size);
      expect(new Set(records.map((r) => r.statement.event_id)).size, `${t}: one record per id`).toBe(size);
      expect((await store.lastHead(t))?.head.tree_size, `${t}: every entry in a head`).toBe(size);
    }
    expect(await store.earliestPending()).toBeUndefined();
  });
}
