import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject } from '../../src/server/index.js';
import type { LogObject, Store } from '../../src/server/index.js';
import { createSealer } from '../../src/server/sealer.js';
import { entry } from './store-conformance.js';
import { localStorage, tenantObjects } from './durable-storage.js';

const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

/** The seal-scale test's deployment(), trimmed: tenant calls counted, capped like workerd's subrequest cap. */
function deployment(rootStorage = localStorage()) {
  const root = rootLogObject(rootStorage);
  const rootCalls: string[] = [];
  const failing = new Set<string>();
  let dropNotes = false;
  const toRoot: LogObject = {
    async fetch(request) {
      const m = await methodOf(request);
      rootCalls.push(m);
      if (failing.delete(m) || (dropNotes && m === 'noteSince')) throw new Error(`${m} failed (injected)`);
      return root.fetch(request);
    },
  };
  const { objectOf } = tenantObjects(() => toRoot);
  const calls: string[] = [];
  let allowed = Infinity;
  const tenant = (id: string): LogObject => ({
    async fetch(request) {
      const m = await methodOf(request);
      if (allowed <= 0) throw new Error('Too many subrequests.');
      allowed--;
      calls.push(`${id}/${m}`);
      return objectOf(id).fetch(request);
    },
  });
  return {
    calls, rootCalls, rootStorage,
    failOnce: (m: string) => void failing.add(m),
    dropNotes: (on: boolean) => void (dropNotes = on),
    cap: (n: number) => void (allowed = n),
    store: (): Store => durableObjectStore({ root: () => toRoot, tenant }),
  };
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 28, 9);
const names = (n: number) => Array.from({ length: n }, (_, i) => `t-${String(i).padStart(3, '0')}`);

function setup() {
  const d = deployment();
  const store = d.store();
  let t = T0;
  const sealer = createSealer({ store, periodMs: HOUR, now: () => t, signCheckpoint: async (size) => `note ${size}\n` });
  const append = (tenant: string, id: string) => store.append({ tenantId: tenant, entries: [entry(tenant, id)], now: t, keyId: 'k1', sha256 });
  return { d, store, sealer, append, set: (ms: number) => void (t = ms) };
}

/**
 * A seal before its close asks `earliestPending`, which asks each armed log whose first uncovered time the root
 * does not know. Found by review: that was all or nothing, so past the cap on an invocation's subrequests no
 * try ever reached the closes and no later period was sealed; and a client's repeat of an event already logged
 * armed its log (adding nothing, telling the root nothing), so that 60 repeats were enough.
 */
test('an append that adds nothing (each event already logged) does not arm: a capped alarm seals at its first try', async () => {
  const { d, append, sealer, set } = setup();
  const tenants = names(60);
  for (const id of tenants) await append(id, `${id}-a`);
  set(T0 + HOUR + 1);
  expect((await sealer.sealDue()).map((c) => c.tree_size)).toEqual([60]); // every log disarms: all its entries before the end
  // A client's queue sends each tenant's event again (an idempotent retry): found stored, nothing added, no arm.
  set(T0 + HOUR + 2);
  const arms = d.rootCalls.filter((m) => m === 'arm').length;
  for (const id of tenants) expect((await append(id, `${id}-a`))[0]).toMatchObject({ stored: false });
  expect(d.rootCalls.filter((m) => m === 'arm').length).toBe(arms);
  expect((await append('t-000', 'new'))[0]).toMatchObject({ stored: true });
  set(T0 + 2 * HOUR + 1);
  const before = d.calls.length;
  d.cap(50);
  expect((await sealer.sealDue()).map((c) => c.tree_size)).toEqual([61]);
  d.cap(Infinity);
  expect(d.calls.slice(before)).toEqual(['t-000/closeAt']);
}, 60_000);

test('armed logs whose first times the root does not know (their notes lost): each capped try keeps what it learned, and the third seals all', async () => {
  const { d, sealer, append, set } = setup();
  const tenants = names(60);
  for (const id of tenants) await append(id, `${id}-a`);
  set(T0 + HOUR + 1);
  expect((await sealer.sealDue()).map((c) => c.tree_size)).toEqual([60]);
  set(T0 + HOUR + 2);
  // The notes a log sends after arming are lost (or come from tenant logs of the version before, which send none).
  d.dropNotes(true);
  for (const id of tenants) await append(id, `${id}-b`);
  d.dropNotes(false);
  set(T0 + 2 * HOUR + 1);
  const before = d.calls.length;
  const outcomes: string[] = [];
  for (let i = 0; i < 3; i++) {
    d.cap(50);
    outcomes.push(await sealer.sealDue().then((cps) => `sealed ${cps.map((c) => c.tree_size)}`, (e: { code?: string }) => `failed ${e.code}`));
  }
  d.cap(Infinity);
  // 50 times learned, then the other 10 and 40 closes, then the last 20 closes: nothing asked twice.
  expect(outcomes).toEqual(['failed ERR_STORE_UNAVAILABLE', 'failed ERR_STORE_UNAVAILABLE', 'sealed 120']);
  const asked = d.calls.slice(before);
  expect(asked.filter((c) => c.endsWith('/timeAt'))).toHaveLength(60);
  expect(asked.filter((c) => c.endsWith('/closeAt'))).toHaveLength(60);
  expect(new Set(asked).size).toBe(asked.length);
}, 60_000);
