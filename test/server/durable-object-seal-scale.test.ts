import { describe, expect, test } from 'vitest';
import { formatTime, sha256 } from '../../src/protocol/index.js';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { createServer, durableObjectStore, localSigner, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { AegisServer, DurableStorageLike, LogObject, Signer, Store, StoredCheckpoint } from '../../src/server/index.js';
import { answerLogCall } from '../../src/server/log-object-wire.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems, exportProblems, type Trust } from '../support/v2-check.js';
import { NOTE_KEY, ORIGIN, clock, event } from './helpers.js';
import { entry, sealOf } from './store-conformance.js';
import { ROOT_SCHEMA_BEFORE, localStorage } from './durable-storage.js';

/**
 * durableObjectStore seals in O(tenants that grew) calls to tenant objects (PROTOCOL.md §9), not one or more
 * per registered tenant, and still closes every tenant (§4.1): over local log objects (each call through the
 * wire, as to a Durable Object), counting the calls that reach tenant objects.
 */

const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

/**
 * The log objects of one deployment: a root object and one object per tenant, over local storages. `calls` lists
 * each call that reaches a tenant object from a store, `rootCalls` each call to the root (from stores and tenant
 * logs). `failOnce(m)` makes the next call of root method `m` fail before it reaches the root; `hold(m)` lets
 * the next one take effect but keeps its answer until `release()`; `restartRoot()` makes a new root object on
 * the same storage (a deploy, an eviction). `rootOf` gives the tenant objects another root (one of the version before);
 * `lacking(id, m)` makes tenant `id`'s object answer method `m` as an object of a version without it does;
 * `cap(n)` lets only the next `n` calls reach tenant objects, the rest failing as workerd fails a subrequest over
 * its invocation's limit (`cap(Infinity)` lifts it).
 */
function deployment(rootStorage = localStorage(), tenantStorages = new Map<string, DurableStorageLike>(), rootOf?: () => LogObject) {
  let root = rootLogObject(rootStorage);
  const failing = new Set<string>();
  const holds = new Map<string, { reached(): void; gate: Promise<void> }>();
  const rootCalls: string[] = [];
  const toRoot: LogObject = {
    async fetch(request) {
      const method = await methodOf(request);
      rootCalls.push(method);
      if (failing.delete(method)) throw new Error(`${method} failed (injected)`);
      const answer = await root.fetch(request);
      const held = holds.get(method);
      if (held) {
        holds.delete(method);
        held.reached();
        await held.gate;
      }
      return answer;
    },
  };
  const objects = new Map<string, LogObject>();
  const objectOf = (id: string) => {
    if (!tenantStorages.has(id)) tenantStorages.set(id, localStorage());
    if (!objects.has(id)) objects.set(id, tenantLogObject(tenantStorages.get(id)!, rootOf ?? (() => toRoot)));
    return objects.get(id)!;
  };
  const calls: { tenantId: string; method: string }[] = [];
  const lacks = new Set<string>();
  let allowed = Infinity;
  const tenant = (id: string): LogObject => ({
    async fetch(request) {
      const method = await methodOf(request);
      if (allowed <= 0) throw new Error('Too many subrequests.');
      allowed--;
      calls.push({ tenantId: id, method });
      return lacks.has(`${id}/${method}`) ? answerLogCall({}, request) : objectOf(id).fetch(request);
    },
  });
  return {
    calls,
    lacking: (id: string, method: string) => void lacks.add(`${id}/${method}`),
    cap: (n: number) => void (allowed = n),
    rootCalls,
    tenantStorages,
    failOnce: (method: string) => void failing.add(method),
    hold(method: string) {
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => holds.set(method, { reached: resolve, gate }));
      return { reached, release };
    },
    restartRoot: () => void (root = rootLogObject(rootStorage)),
    /** A new store over these objects (a front Worker and the sealing object each make one). */
    store: (): Store => durableObjectStore({ root: () => toRoot, tenant }),
  };
}

const ADMIN = 'admin-key-seal-scale-00000001';
const ingestKey = (tenant: string) => `ingest-key-${tenant}-000000000001`;
const names = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

/** A server over `store` with an ingest key per tenant and an admin key, on the clock `now`, sealing every `period` seconds. */
async function serverOn(store: Store, tenants: readonly string[], now: () => number, signer: Signer, period?: number) {
  const keys = [...tenants.map((t) => ({ key: ingestKey(t), tenant_id: t, scope: 'ingest' as const })), { key: ADMIN, tenant_id: '*', scope: 'admin' as const }];
  const server: AegisServer = createServer({ signer, store, keys, origin: ORIGIN, noteKey: NOTE_KEY, now, ...(period ? { period } : {}) });
  await server.ready;
  const call = async (path: string, key: string, body?: unknown) => {
    const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': key } };
    const response = await server(new Request(`http://scale.test${path}`, { headers: { 'x-api-key': key }, ...init }));
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    server,
    async ingest(tenant: string): Promise<Receipt> {
      return (await (await call('/ingest', ingestKey(tenant), event({ tenant_id: tenant }))).json()) as Receipt;
    },
    async bundle(receipt: Receipt): Promise<EvidenceBundle> {
      return (await (await call(`/evidence/${receipt.event_id}?tenant_id=${receipt.tenant_id}`, ADMIN)).json()) as EvidenceBundle;
    },
    async exported(tenant: string, periodStart: string): Promise<string> {
      return (await call(`/export?tenant_id=${tenant}&period_start=${periodStart}&events=true`, ADMIN)).text();
    },
    async trust(): Promise<Trust> {
      const vkeys = (await (await server(new Request('http://scale.test/.well-known/aegislog/vkeys'))).text()).trim().split('\n');
      return { receiptKeys: await importPublicKey(await signer.publicJwk()), vkeys };
    },
    /**
     * Seals now (or, `due`, what has ended, as the alarm does), once the receipt signatures kept after the answers
     * are in: the tenant calls it made (`tenant/method` in `asked`), and its checkpoints.
     */
    async seal(calls: { tenantId: string; method?: string }[], due = false): Promise<{ checkpoints: StoredCheckpoint[]; tenants: string[]; asked: string[] }> {
      await server.settled();
      const from = calls.length;
      const checkpoints = await (due ? server.sealDue() : server.sealNow());
      const made = calls.slice(from);
      return { checkpoints, tenants: made.map((c) => c.tenantId), asked: made.map((c) => `${c.tenantId}/${c.method}`).sort() };
    },
  };
}

/** 300 tenants that each logged once and were sealed once, idle since. */
async function idleFleet(d: ReturnType<typeof deployment>, c: ReturnType<typeof clock>, extra: string[] = []) {
  const tenants = [...names(300), ...extra];
  const s = await serverOn(d.store(), tenants, c.now, await localSigner());
  const receipts = new Map<string, Receipt>();
  for (const t of names(300)) receipts.set(t, await s.ingest(t));
  c.advance(1_000);
  const first = await s.seal(d.calls);
  expect(first.checkpoints.map((cp) => cp.tree_size)).toEqual([300]);
  return { s, receipts, first };
}

/** Each bundle is sealed in `checkpoint`'s period and passes every §6.1 check. */
async function expectSealed(s: Awaited<ReturnType<typeof serverOn>>, receipts: Receipt[], checkpoint: StoredCheckpoint) {
  const trust = await s.trust();
  for (const receipt of receipts) {
    const bundle = await s.bundle(receipt);
    expect(bundle).toMatchObject({ status: 'sealed', tenant_head: { period_start: checkpoint.period_start, period_end: checkpoint.period_end } });
    expect(await bundleProblems(bundle, trust), receipt.tenant_id).toEqual([]);
  }
}

const GROWN = ['t-007', 't-150', 't-299'];
/**
 * Tenant-object calls a seal makes per grown tenant: its close, which answers its size, root and first times
 * (each call is a subrequest of the alarm's invocation; it made five before, and asked idle tenants too).
 */
const CALLS_PER_GROWN = 1;

describe('durableObjectStore: a seal calls the tenant logs that grew, not every registered one', () => {
  test('300 tenants sealed once, then 3 grow: the next seal calls only those 3, and its heads and export verify', async () => {
    const d = deployment();
    const c = clock();
    const { s, receipts, first } = await idleFleet(d, c);
    // The first seal visits each tenant that grew (all 300); each disarms there, its entries all before the end.
    expect(first.tenants.length).toBeLessThanOrEqual(CALLS_PER_GROWN * 300);
    const grown = [];
    for (const t of GROWN) grown.push(await s.ingest(t));
    c.advance(1_000);
    const second = await s.seal(d.calls);
    expect(second.tenants.length).toBeLessThanOrEqual(CALLS_PER_GROWN * GROWN.length);
    expect([...new Set(second.tenants)].sort()).toEqual(GROWN);
    const [cp] = second.checkpoints;
    expect(second.checkpoints.map((x) => x.tree_size)).toEqual([303]);
    await expectSealed(s, grown, cp!);
    await expectSealed(s, [receipts.get('t-000')!, receipts.get(GROWN[0]!)!], first.checkpoints[0]!);
    const trust = await s.trust();
    expect(await exportProblems(await s.exported(GROWN[1]!, cp!.period_start), trust)).toEqual([]);
    // Nothing grew since: nothing to seal, and no tenant object is asked.
    c.advance(1_000);
    expect(await s.seal(d.calls)).toEqual({ checkpoints: [], tenants: [], asked: [] });
  }, 60_000);

  test('a tenant log a seal disarmed, behind a front Worker whose clock lags, stamps its next receipt at closed_until; the next seal covers it', async () => {
    const d = deployment();
    const c = clock();
    const lag = clock(c.now() - 3_600_000); // the front Worker's clock: an hour behind the sealing object's
    const signer = await localSigner();
    const tenants = ['lagging', 'busy'];
    const sealer = await serverOn(d.store(), tenants, c.now, signer);
    const front = await serverOn(d.store(), tenants, lag.now, signer);
    await front.ingest('lagging');
    await front.server.settled();
    expect((await sealer.seal(d.calls)).checkpoints).toHaveLength(1);
    c.advance(60_000);
    await sealer.ingest('busy');
    const second = await sealer.seal(d.calls);
    expect(second.tenants.filter((t) => t === 'lagging')).toEqual([]); // disarmed: this seal never asks it
    const closedUntil = second.checkpoints[0]!.period_end;
    expect(lag.now()).toBeLessThan(Date.parse(closedUntil));
    // The log's own closed_until is the first seal's end; arming gives it the second's, before it commits.
    const late = await front.ingest('lagging');
    expect(late.received_at).toBe(closedUntil);
    await front.server.settled();
    c.advance(60_000);
    const third = await sealer.seal(d.calls);
    expect(third.checkpoints).toHaveLength(1);
    await expectSealed(sealer, [late], third.checkpoints[0]!);
  });

  test('a seal that fails after closing its tenant logs is retried (after the root restarts) with no head lost; so is one whose disarm was lost', async () => {
    const d = deployment();
    const c = clock();
    const { s } = await idleFleet(d, c);
    const grown = [];
    for (const t of GROWN) grown.push(await s.ingest(t));
    c.advance(1_000);
    // The commit fails after every close: the grown logs disarmed there, their entries no committed head covers.
    d.failOnce('commitSeal');
    await expect(s.server.sealNow()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    d.restartRoot();
    const retried = await s.seal(d.calls);
    expect(retried.tenants.length).toBeLessThanOrEqual(CALLS_PER_GROWN * GROWN.length);
    expect(retried.checkpoints.map((x) => x.tree_size)).toEqual([303]);
    await expectSealed(s, grown, retried.checkpoints[0]!);
    // The root never hears of the closes and disarms (the call fails): the seal fails, and its retry reports them again.
    const more = [];
    for (const t of GROWN) more.push(await s.ingest(t));
    c.advance(1_000);
    d.failOnce('keepCloses');
    await expect(s.server.sealNow()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const again = await s.seal(d.calls);
    expect(again.checkpoints.map((x) => x.tree_size)).toEqual([306]);
    await expectSealed(s, more, again.checkpoints[0]!);
    c.advance(1_000);
    await s.ingest('t-042');
    const next = await s.seal(d.calls);
    expect([...new Set(next.tenants)]).toEqual(['t-042']);
  }, 60_000);

  test('an append whose arm was granted before a close that disarmed its log arms again, and stays in every seal until a head covers it', async () => {
    const d = deployment();
    const store = d.store();
    const T = (h: number) => formatTime(Date.UTC(2026, 10, 28, h));
    const append = (id: string, hour: number) => store.append({ tenantId: 'solo', entries: [entry('solo', id)], now: Date.parse(T(hour)), keyId: 'k1', sha256 });
    await append('a', 1);
    await store.closePeriod(T(2)); // 'a' is before T(2): the log disarms
    const held = d.hold('arm');
    const appending = append('b', 1);
    // The root armed the log and its answer is on the way (false: the append finished without arming).
    expect(await Promise.race([held.reached.then(() => true), appending.then(() => false, () => false)])).toBe(true);
    await store.closePeriod(T(3)); // lists the log at that generation; its entries are all before T(3): it disarms at it
    held.release();
    const [outcome] = await appending;
    expect(outcome).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: T(3) } } });
    expect(d.rootCalls.filter((m) => m === 'arm')).toHaveLength(3); // the first append, the stale grant, its retry
    expect(await store.grownLogs(T(4))).toEqual([{ tenantId: 'solo', prevTreeSize: 0, prevHeadIndex: null }]);
    // A head for 'a' alone: the log holds 'b', which it covers not, so it stays in the armed set.
    await store.commitSeal(await sealOf(store, T(0), T(3)));
    expect(await store.grownLogs(T(5))).toEqual([{ tenantId: 'solo', prevTreeSize: 1, prevHeadIndex: 0 }]);
    await store.commitSeal(await sealOf(store, T(3), T(5)));
    expect([await store.grownLogs(T(6)), await store.earliestPending()]).toEqual([[], undefined]);
  });
});

describe('durableObjectStore: one call per tenant log a seal closes', () => {
  const HOUR = 3_600_000;
  const at = (c: ReturnType<typeof clock>, ms: number) => c.set(Date.UTC(2026, 10, 28, 9) + ms);

  test("the alarm's seals ask each tenant log that grew one thing, its close; nothing more of one that stays armed past the end", async () => {
    const d = deployment();
    const c = clock(Date.UTC(2026, 10, 28, 9));
    const tenants = ['a', 'b', 'c', 'd'];
    const signer = await localSigner();
    // The sealing object (hourly periods, sealed by its alarm alone) and a front Worker that takes the events:
    // its period is ten years, so that no request it answers seals beside it.
    const sealer = await serverOn(d.store(), tenants, c.now, signer, 3600);
    const front = await serverOn(d.store(), tenants, c.now, signer, 10 * 365 * 86400);
    const receipts: Receipt[] = [];
    for (const t of tenants) receipts.push(await front.ingest(t));
    await front.server.settled();
    at(c, HOUR + 1);
    const first = await sealer.seal(d.calls, true);
    expect(first.checkpoints.map((cp) => [cp.period_end, cp.tree_size])).toEqual([[formatTime(Date.UTC(2026, 10, 28, 10)), 4]]);
    expect(first.asked).toEqual(['a/closeAt', 'b/closeAt', 'c/closeAt', 'd/closeAt']);
    await expectSealed(sealer, receipts, first.checkpoints[0]!);

    // b and c arm again; c also takes an entry after the period's end, before the alarm runs: it stays armed.
    at(c, HOUR + 2);
    const second = [await front.ingest('b'), await front.ingest('c')];
    at(c, 2 * HOUR + 5);
    const late = await front.ingest('c');
    await front.server.settled();
    const sealed = await sealer.seal(d.calls, true);
    expect(sealed.asked).toEqual(['b/closeAt', 'c/closeAt']);
    expect(sealed.checkpoints.map((cp) => cp.tree_size)).toEqual([6]);
    await expectSealed(sealer, second, sealed.checkpoints[0]!);

    // The next alarm: c's first uncovered time is known to the root (its close answered it), so only its close.
    at(c, 3 * HOUR + 1);
    const third = await sealer.seal(d.calls, true);
    expect(third.asked).toEqual(['c/closeAt']);
    await expectSealed(sealer, [late], third.checkpoints[0]!);
    // An hour with no entry: its checkpoint (the root log as it was) asks no tenant log.
    at(c, 4 * HOUR + 1);
    const idle = await sealer.seal(d.calls, true);
    expect([idle.asked, idle.checkpoints.map((cp) => cp.tree_size)]).toEqual([[], [third.checkpoints[0]!.tree_size]]);
  }, 60_000);

  test('a seal cut off part way by the cap on subrequests closes, when tried again, only the logs left; the third try seals all', async () => {
    const d = deployment();
    const c = clock();
    const { s } = await idleFleet(d, c);
    const grown = names(300).slice(0, 120);
    const receipts: Receipt[] = [];
    for (const t of grown) receipts.push(await s.ingest(t));
    await s.server.settled();
    c.advance(1_000);
    const closes = () => d.calls.filter((x) => x.method === 'closeAt').length;
    const before = closes();
    // Each try may reach 50 tenant objects (the free plan's cap of an invocation, as the alarm's retries get).
    for (const left of [70, 20]) {
      d.cap(50);
      await expect(s.server.sealNow()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(closes() - before).toBe(120 - left);
    }
    d.cap(50);
    const sealed = await s.seal(d.calls);
    d.cap(Infinity);
    expect(sealed.asked).toEqual(grown.slice(100).map((t) => `${t}/closeAt`));
    expect(closes() - before).toBe(120); // each log closed once
    expect(sealed.checkpoints.map((cp) => cp.tree_size)).toEqual([420]);
    await expectSealed(s, [receipts[0]!, receipts[64]!, receipts[119]!], sealed.checkpoints[0]!);
    const trust = await s.trust();
    expect(await exportProblems(await s.exported(grown[77]!, sealed.checkpoints[0]!.period_start), trust)).toEqual([]);
  }, 60_000);

  test('a tenant log of the version before (no closeAt) is closed with close and asked the rest; the seal still verifies', async () => {
    const d = deployment();
    const c = clock();
    const s = await serverOn(d.store(), ['new', 'old'], c.now, await localSigner());
    d.lacking('old', 'closeAt');
    const receipts = [await s.ingest('new'), await s.ingest('old'), await s.ingest('old')];
    c.advance(1_000);
    const sealed = await s.seal(d.calls);
    expect(sealed.checkpoints.map((cp) => cp.tree_size)).toEqual([2]);
    await expectSealed(s, receipts, sealed.checkpoints[0]!);
    // Its size and root come from sizeAt and its tiles, as before; the other log's from its close alone.
    expect(sealed.asked).toEqual(expect.arrayContaining(['old/closeAt', 'old/close', 'old/sizeAt', 'old/readTiles', 'new/closeAt']));
    expect(sealed.asked.filter((m) => m.startsWith('new/'))).not.toContain('new/close');
  }, 60_000);
});

describe('durableObjectStore: upgrade from the registry of every tenant', () => {
  test('registered tenants with unsealed entries, in storage of the version before: the next seal gives each its head; then only those that grow are called', async () => {
    const c = clock();
    const signer = await localSigner();
    const tenants = names(5, 'old');
    const rootStorage = localStorage();
    rootStorage.sql.exec(ROOT_SCHEMA_BEFORE);
    const registry = (sql: string, ...args: unknown[]) => rootStorage.sql.exec(sql, ...args).toArray();
    // A root of the version before, as its tenant logs reached it: `register` only, rows written directly.
    const asked: string[] = [];
    const rootBefore: LogObject = {
      fetch: (request) =>
        answerLogCall({
          register(id: string) {
            asked.push('register');
            registry('INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING', id);
            return registry("SELECT value FROM meta WHERE key = 'closed_until'")[0]?.value;
          },
        }, request),
    };
    // Tenant logs written before the upgrade: through a server whose tenant objects register with that root.
    const before = deployment(localStorage(), new Map(), () => rootBefore);
    const writer = await serverOn(before.store(), tenants, c.now, signer);
    const receipts = [];
    for (const t of tenants) receipts.push(await writer.ingest(t), await writer.ingest(t));
    await writer.server.settled();
    expect(asked.length).toBeGreaterThanOrEqual(5); // (no `arm` there: a log of this version registers, unarmed, at each append)
    registry("INSERT INTO tenants (tenant_id) VALUES ('ghost')"); // registered; its first append failed after
    expect(registry('SELECT count(*) AS n FROM tenants')[0]!.n).toBe(6);

    // The upgrade: the new root over that storage, the same tenant storages.
    c.advance(1_000);
    const d = deployment(rootStorage, before.tenantStorages);
    const s = await serverOn(d.store(), [...tenants, 'ghost'], c.now, signer);
    const first = await s.seal(d.calls);
    expect(first.checkpoints.map((cp) => cp.tree_size)).toEqual([5]);
    await expectSealed(s, receipts, first.checkpoints[0]!);
    expect(first.tenants).toContain('ghost'); // closed with the rest, though it has no log

    // Idle since: the next seals ask none of them but the one that grows.
    c.advance(1_000);
    const grown = await s.ingest('old-003');
    const ghost = await s.ingest('ghost');
    expect(ghost.received_at >= first.checkpoints[0]!.period_end).toBe(true);
    const second = await s.seal(d.calls);
    expect([...new Set(second.tenants)].sort()).toEqual(['ghost', 'old-003']);
    await expectSealed(s, [grown, ghost], second.checkpoints[0]!);
    c.advance(1_000);
    expect(await s.seal(d.calls)).toEqual({ checkpoints: [], tenants: [], asked: [] });
  });
});
