// Clients without a key share one key's budget (rate-limit.ts `anonymousTurn`) on the public answers whose
// work grows with their size: a page of /checkpoints (1,000 checkpoints read, their proofs, 800 KB of JSON:
// 6 ms of the event loop) and a root entry bundle (256 heads parsed and hashed: 2 ms), against 0.05 ms for
// a /healthz. Without it, one anonymous client with 4 connections asking for history pages took nine
// tenths of the server: another tenant's /evidence fell from 1,159 to 111 answers a second, its /ingest
// from 410 to 45 (p99 27 ms to 404 ms). The budget is checked on the work done (the store's reads), with
// the server's clock frozen: no time passes for the budget, whatever time the test takes, and the test waits
// for the condition that ends the burst (a request waiting for the budget), never for a time.
import { afterEach, expect, test, vi } from 'vitest';
import { memoryStore } from '../../src/server/node.js';
import { requestsWaitingForBudget } from '../../src/server/rate-limit.js';
import { ROOT_LOG } from '../../src/server/types.js';
import type { Store } from '../../src/server/types.js';
import { sha256 } from '../../src/protocol/index.js';
import { entry } from './store-conformance.js';

/** Consistency proofs computed from tiles (not found in a cache), counted across the module's callers. */
const computed = vi.hoisted(() => ({ proofs: 0 }));
vi.mock('../../src/tlog/tile-proofs.js', async (original) => {
  const actual = await original<typeof import('../../src/tlog/tile-proofs.js')>();
  return { ...actual, consistencyFromTiles: (...args: Parameters<typeof actual.consistencyFromTiles>) => (computed.proofs++, actual.consistencyFromTiles(...args)) };
});
import { until } from '../client/helpers.js';
import { KEYS, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

const RATE = { keyRatePerSecond: 1, keyRateBurst: 10 };
const REQUESTS = 30;

/** A store that counts the reads the expensive public answers make. */
function countingStore(): { store: Store; reads: { checkpoints: number; rootEntries: number } } {
  const store = memoryStore();
  const reads = { checkpoints: 0, rootEntries: 0 };
  const { checkpoints, entryData } = store;
  store.checkpoints = (from, to) => (reads.checkpoints++, checkpoints.call(store, from, to));
  store.entryData = (log, from, to) => (log === ROOT_LOG && reads.rootEntries++, entryData.call(store, log, from, to));
  return { store, reads };
}

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/**
 * The server's clock: still until the test moves it, or, once `flowing`, a minute later at each reading (so
 * that every request waiting for the budget is let through soon, whatever its place in the queue).
 */
function testClock() {
  const base = clock();
  let flowing = false;
  return {
    now: () => (flowing && base.advance(60_000), base.now()),
    advance: base.advance,
    flow: () => void (flowing = true),
  };
}

/** A server whose root log has three checkpoints (one head each); its clock moves only when the test moves it. */
async function sealedThrice(store: Store) {
  const time = testClock();
  const s = (running = await start({ store, now: time.now, limits: RATE }));
  for (let i = 0; i < 3; i++) {
    expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
    await s.server.sealNow();
    time.advance(60_000); // refills the ingest key's bucket: 60 units at 1 a second, 10 at most
  }
  return { s, time };
}

/**
 * Resolves once the burst is spent: every store read answered, and the next request waiting for the budget
 * (which, the clock being still, it does until the test moves it). A server that let every request through
 * settles them all instead, and the test's counts then say so.
 */
async function burstSpent(answers: Promise<unknown>[], reads: () => number, answered: () => number): Promise<void> {
  let all = false;
  void Promise.allSettled(answers).then(() => (all = true));
  await until(() => all || (requestsWaitingForBudget() > 0 && answered() === reads()), 10_000, 'the anonymous burst to be spent');
}

test('anonymous /checkpoints pages draw on one shared budget: past it, they wait and the store is not read', async () => {
  const { store, reads } = countingStore();
  const { s, time } = await sealedThrice(store);
  const statuses: number[] = [];
  const answers = Array.from({ length: REQUESTS }, () => s.call('/checkpoints?from=0&to=3', { key: null }).then((r) => (statuses.push(r.status), r.text())));
  await burstSpent(answers, () => reads.checkpoints, () => statuses.length);
  // A page of 3 costs 1 + 3/8 units (and 2 per proof computed, the first time): a burst of 10 pays for at most 8.
  expect(reads.checkpoints).toBeGreaterThan(0);
  expect(reads.checkpoints).toBeLessThanOrEqual(8);
  expect(statuses.length).toBe(reads.checkpoints);
  // Meanwhile the cheap public routes and every key are served as ever.
  expect((await s.call('/healthz', { key: null })).status).toBe(200);
  expect((await s.call('/tile/0/000.p/3', { key: null })).status).toBe(200);
  expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
  // Once the budget refills, every page waiting is answered, none refused.
  time.flow();
  await Promise.all(answers);
  expect(statuses).toEqual(new Array(REQUESTS).fill(200));
  expect(reads.checkpoints).toBe(REQUESTS);
});

test('anonymous root entry bundles draw on the same budget', async () => {
  const { store, reads } = countingStore();
  const { s, time } = await sealedThrice(store);
  const statuses: number[] = [];
  const answers = Array.from({ length: REQUESTS }, () => s.call('/tile/entries/000.p/3', { key: null }).then((r) => (statuses.push(r.status), r.arrayBuffer())));
  await burstSpent(answers, () => reads.rootEntries, () => statuses.length);
  expect(reads.rootEntries).toBeGreaterThan(0);
  expect(reads.rootEntries).toBeLessThanOrEqual(8);
  expect(statuses.length).toBe(reads.rootEntries);
  // A tenant's own entry bundle (read key) is charged to its key, not to the anonymous clients' budget.
  expect((await s.call('/logs/acme/tile/entries/000.p/3', { key: KEYS.read })).status).toBe(200);
  time.flow();
  const bodies = await Promise.all(answers);
  expect(statuses).toEqual(new Array(REQUESTS).fill(200));
  expect(bodies.every((b) => (b as ArrayBuffer).byteLength === 3 * 34)).toBe(true);
});

test('with the key rate off (keyRatePerSecond 0), anonymous pages are not limited either', async () => {
  const { store, reads } = countingStore();
  const s = (running = await start({ store, now: clock().now, limits: { keyRatePerSecond: 0 } }));
  await s.call('/ingest', { key: KEYS.ingest, json: event() });
  await s.server.sealNow();
  const answers = await Promise.all(Array.from({ length: REQUESTS }, () => s.call('/checkpoints', { key: null })));
  expect(answers.map((r) => r.status)).toEqual(new Array(REQUESTS).fill(200));
  expect(reads.checkpoints).toBe(REQUESTS);
});

test('anonymous /proof/consistency pairs, however many, do not push the history\'s proofs out of its cache', async () => {
  const store = memoryStore();
  const time = testClock();
  const s = (running = await start({ store, now: time.now, limits: { keyRatePerSecond: 0 } }));
  // A root log of 93 heads in two checkpoints: 4,464 pairs of sizes to ask for, more than the cache holds (4,096).
  const append = (tenant: string) => store.append({ tenantId: tenant, entries: [entry(tenant, `${tenant}-1`)], now: time.now(), keyId: 'k1', sha256 });
  for (let i = 0; i < 92; i++) await append(`t-${i}`);
  await s.server.sealNow();
  time.advance(60_000);
  await append('t-92');
  await s.server.sealNow();
  const history = () => s.server(new Request('http://x.test/checkpoints?from=0&to=2'));
  const first = computed.proofs;
  expect((await history()).status).toBe(200); // computes the one proof between the two checkpoints, and keeps it
  expect(computed.proofs - first).toBe(1);
  const asked = [];
  for (let to = 1; to <= 93; to++) for (let from = 0; from <= to; from++) asked.push(s.server(new Request(`http://x.test/proof/consistency?from=${from}&to=${to}`)).then((r) => r.status));
  expect(new Set(await Promise.all(asked))).toEqual(new Set([200]));
  const before = computed.proofs;
  expect((await history()).status).toBe(200);
  expect(computed.proofs - before).toBe(0); // still in the cache: not computed again
}, 60_000);
