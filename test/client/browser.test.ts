// Page behaviours, simulated in Node: a fake `document` (an EventTarget with visibilityState),
// recording fakes standing for navigator.sendBeacon, fetchLater and navigator.locks (Node has none
// of them), fake-indexeddb for the shared queue. The same behaviours run in real Chromium in the
// e2e suite (issue 5); here they are pinned down exactly. The server is the real handler.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AegisLog, indexedDBQueue, memoryQueue, type AegisLogOptions, type FetchLaterLike, type LockManagerLike } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, countBy, inProcessServer, storedIds, until, type InProcess } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';
type Page = EventTarget & { visibilityState: 'visible' | 'hidden' };
let page: Page;
let win: EventTarget;
const open: AegisLog[] = [];

beforeEach(() => {
  page = Object.assign(new EventTarget(), { visibilityState: 'visible' as 'visible' | 'hidden' });
  win = new EventTarget();
  Object.assign(globalThis, {
    document: page,
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
  });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
  for (const name of ['document', 'addEventListener', 'removeEventListener']) delete (globalThis as Record<string, unknown>)[name];
});

function hide(): void {
  page.visibilityState = 'hidden';
  page.dispatchEvent(new Event('visibilitychange'));
}
function show(): void {
  page.visibilityState = 'visible';
  page.dispatchEvent(new Event('visibilitychange'));
}

function tab(srv: InProcess, options: Partial<AegisLogOptions>): AegisLog {
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, flushInterval: 0, batchSize: 10_000,
    retry: FAST_RETRY, queue: memoryQueue(), fetchLater: false, beacon: false, locks: false, onError: () => {}, ...options,
  });
  open.push(log);
  return log;
}

/** Delivers a captured beacon the way the browser would: text/plain, no headers of ours. */
function deliverBeacon(srv: InProcess, url: string, data: string): Promise<Response> {
  return srv.fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: data });
}

describe('page exit by sendBeacon', () => {
  it('beacons pending events to /beacon as text/plain with the ingest key in the body; they stay queued until a fetch confirms', async () => {
    const srv = await inProcessServer();
    const beacons: [string, string][] = [];
    const log = tab(srv, { beacon: (url, data) => (beacons.push([url, data]), true) });
    const ids = [log.record('a', {}), log.record('b', {}), log.record('c', {})];
    await log.durable(); // the exit path carries written (numbered) events: the bodies the queue keeps
    hide();
    expect(beacons).toHaveLength(1);
    const [url, data] = beacons[0]!;
    expect(url).toBe(`${ENDPOINT}/beacon`);
    const body = JSON.parse(data);
    expect(body.key).toBe(INGEST_KEY);
    expect(body.events.map((e: { event_id: string }) => e.event_id)).toEqual(ids);
    expect(log.stats().queued).toBe(3);
    expect((await deliverBeacon(srv, url, data)).status).toBe(204);
    // The later fetch confirms them: the server answers with the original receipts.
    expect(await log.flush()).toMatchObject({ sent: 3, remaining: 0 });
    expect(countBy(await storedIds(srv.fetch, ENDPOINT))).toEqual(new Map(ids.map((id) => [id, 1])));
  });

  it('beacons once per exit (visibilitychange then pagehide), again after the page was visible, never on unload', async () => {
    const srv = await inProcessServer();
    const beacons: string[] = [];
    const log = tab(srv, { beacon: (_, data) => (beacons.push(data), true) });
    log.record('a', {});
    await log.durable();
    hide();
    win.dispatchEvent(new Event('pagehide'));
    win.dispatchEvent(new Event('unload'));
    expect(beacons).toHaveLength(1);
    show();
    log.record('b', {});
    await log.durable();
    win.dispatchEvent(new Event('pagehide'));
    expect(beacons).toHaveLength(2);
    expect(JSON.parse(beacons[1]!).events).toHaveLength(2); // 'a' is not confirmed yet: it goes again
    await log.flush();
    hide();
    expect(beacons).toHaveLength(2); // nothing unconfirmed left
  });

  it("keeps beacons within 60 KB each and the page's 64 KiB keepalive budget", async () => {
    const srv = await inProcessServer();
    const sizes: number[] = [];
    const log = tab(srv, { beacon: (_, data) => (sizes.push(new TextEncoder().encode(data).length), true) });
    for (let i = 0; i < 100; i++) log.record('big', { text: 'é'.repeat(700) }); // ~1.5 KB each, ~150 KB in all
    await log.durable();
    hide();
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(60_000);
    expect(sizes.reduce((a, b) => a + b)).toBeLessThanOrEqual(64 * 1024);
    // A second exit right after finds the budget spent.
    show();
    hide();
    expect(sizes.reduce((a, b) => a + b)).toBeLessThanOrEqual(64 * 1024);
    expect(log.stats().queued).toBe(100);
  });

  it('stops when sendBeacon refuses (returns false) and leaves the events queued', async () => {
    const srv = await inProcessServer();
    let calls = 0;
    const log = tab(srv, { beacon: () => (calls++, false) });
    for (let i = 0; i < 3; i++) log.record('x', { i });
    await log.durable();
    hide();
    expect(calls).toBe(1);
    expect(await log.flush()).toMatchObject({ sent: 3 });
  });

  it('sends with keepalive while the page is hidden, within the budget', async () => {
    const srv = await inProcessServer();
    const keepalive: boolean[] = [];
    const log = tab(srv, { fetch: (url, init) => (keepalive.push(!!init.keepalive), srv.fetch(url, init)), beacon: () => true });
    log.record('visible', {});
    await log.flush();
    hide();
    log.record('hidden', {});
    await log.flush();
    log.record('too big for keepalive', { text: 'x'.repeat(70_000) });
    await log.flush();
    expect(keepalive).toEqual([false, true, false]);
  });
});

describe('page exit by fetchLater', () => {
  function recordingFetchLater() {
    const armed: { url: string; init: RequestInit; aborted: () => boolean }[] = [];
    const fetchLater: FetchLaterLike = (url, init) => {
      armed.push({ url, init, aborted: () => !!init.signal?.aborted });
      return { activated: false };
    };
    return { armed, fetchLater, live: () => armed.filter((a) => !a.aborted()) };
  }

  it('keeps one deferred batch armed with the unsent events, re-armed as the queue changes', async () => {
    const srv = await inProcessServer();
    const fl = recordingFetchLater();
    const beacons: string[] = [];
    const log = tab(srv, { fetchLater: fl.fetchLater, beacon: (_, d) => (beacons.push(d), true) });
    const a = log.record('a', {});
    const b = log.record('b', {});
    await log.durable();
    expect(fl.armed).toHaveLength(1); // one re-arm per tick, however many records
    const c = log.record('c', {});
    await log.durable();
    expect(fl.armed).toHaveLength(2);
    expect(fl.live()).toHaveLength(1);
    const [deferred] = fl.live();
    expect(deferred!.url).toBe(`${ENDPOINT}/ingest/batch`);
    expect(new Headers(deferred!.init.headers).get('x-api-key')).toBe(INGEST_KEY);
    expect(JSON.parse(String(deferred!.init.body)).events.map((e: { event_id: string }) => e.event_id)).toEqual([a, b, c]);
    hide();
    expect(beacons).toEqual([]); // the deferred request covers them all
    // The browser sends the deferred request as the document goes away:
    const answer = await (await srv.fetch(deferred!.url, { ...deferred!.init, signal: null })).json();
    expect(answer.receipts).toHaveLength(3);
    // The next load (or this page, if it lives on) confirms them; nothing is stored twice.
    expect(await log.flush()).toMatchObject({ sent: 3, remaining: 0 });
    await Promise.resolve();
    expect(fl.live()).toHaveLength(0); // nothing left to arm
    expect(countBy(await storedIds(srv.fetch, ENDPOINT))).toEqual(new Map([a, b, c].map((id) => [id, 1])));
  });

  it('halves the deferred batch on QuotaExceededError and beacons the rest at exit', async () => {
    const srv = await inProcessServer();
    const sizes: number[] = [];
    const fetchLater: FetchLaterLike = (_, init) => {
      const n = JSON.parse(String(init.body)).events.length;
      if (n > 2) throw new DOMException('quota', 'QuotaExceededError');
      sizes.push(n);
      return { activated: false };
    };
    const beacons: string[] = [];
    const log = tab(srv, { fetchLater, beacon: (_, d) => (beacons.push(d), true) });
    for (let i = 0; i < 8; i++) log.record('q', { i });
    await log.durable();
    expect(sizes).toEqual([2]);
    hide();
    expect(JSON.parse(beacons[0]!).events).toHaveLength(6);
  });

  it('falls back to the beacon when fetchLater is unusable (it throws something else)', async () => {
    const srv = await inProcessServer();
    const beacons: string[] = [];
    const fetchLater: FetchLaterLike = () => {
      throw new TypeError('fetchLater needs a potentially trustworthy URL');
    };
    const log = tab(srv, { fetchLater, beacon: (_, d) => (beacons.push(d), true) });
    log.record('x', {});
    await log.durable();
    hide();
    expect(JSON.parse(beacons[0]!).events).toHaveLength(1);
  });
});

describe('tabs', () => {
  /** A lock manager standing for navigator.locks (Web Locks), shared by the simulated tabs of one origin. */
  function lockManager(): LockManagerLike & { held: Set<string> } {
    const held = new Set<string>();
    return {
      held,
      async request(name, _options, callback) {
        if (held.has(name)) return callback(null);
        held.add(name);
        try {
          return await callback({ name });
        } finally {
          held.delete(name);
        }
      },
    };
  }

  it('one tab flushes the shared queue at a time; every tab persists its own records; the flusher sends them all', async () => {
    const srv = await inProcessServer();
    const locks = lockManager();
    const name = `aegislog-tabs-${process.pid}-${Date.now()}`;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowFetch = async (url: string, init: RequestInit) => (await gate, srv.fetch(url, init));
    const beaconsB: string[] = [];
    const tabA = tab(srv, { queue: indexedDBQueue({ name }), locks, fetch: slowFetch, beacon: () => true });
    const tabB = tab(srv, { queue: indexedDBQueue({ name }), locks, beacon: (_, d) => (beaconsB.push(d), true) });
    expect(tabA.lockName).toBe(tabB.lockName);
    const ids = [tabA.record('from_a', {}), tabB.record('from_b', {}), tabB.record('from_b', {})];
    await Promise.all([tabA.durable(), tabB.durable()]);
    const flushA = tabA.flush();
    await until(() => tabA.flushing, 2000, 'tab A to take the lock');
    expect(locks.held.has(tabA.lockName)).toBe(true);
    const b = await tabB.flush();
    expect(b).toMatchObject({ sent: 0, lockedElsewhere: true });
    expect(tabB.flushing).toBe(false);
    release();
    expect(await flushA).toMatchObject({ sent: 3, remaining: 0 });
    expect(locks.held.size).toBe(0);
    expect(countBy(await storedIds(srv.fetch, ENDPOINT))).toEqual(new Map(ids.map((id) => [id, 1])));
    // Tab B learns that its events were delivered elsewhere: nothing left to beacon at its exit.
    expect(await tabB.flush()).toMatchObject({ sent: 0, remaining: 0 });
    expect(tabB.stats().queued).toBe(0);
    hide();
    expect(beaconsB).toEqual([]);
  });
});
