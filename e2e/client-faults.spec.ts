// Faults of the browser client found in review, each reproduced in real Chromium against the
// reference server: an IndexedDB over quota, a database another page deletes, a page crashed
// mid-way through dead-lettering, tabs queueing in one millisecond.
import type { Page } from '@playwright/test';
import type { Stack } from './support/fixtures.js';
import { expect, test, until } from './support/fixtures.js';

async function openClient(page: Page, { app, api }: Stack, params: Record<string, string | number> = {}): Promise<void> {
  const query = new URLSearchParams({ endpoint: api.url, key: api.ingestKey, tenant: api.tenantId });
  for (const [name, value] of Object.entries(params)) query.set(name, String(value));
  await page.goto(`${app.url}/e2e/pages/client.html?${query}`);
  await page.waitForFunction(() => window.harness !== undefined);
}

test('IndexedDB over quota: records still delivered while the page lives, numbered, with one warning', async ({ page, context, stack }) => {
  // Every IndexedDB write of the origin then fails with QuotaExceededError; opening still works.
  await page.goto(`${stack.app.url}/e2e/pages/blank.html`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: stack.app.url, quotaSize: 20_000 });
  const warnings: string[] = [];
  page.on('console', (message) => void (message.type() === 'warning' && warnings.push(message.text())));
  await openClient(page, stack, { batchSize: 10, flushInterval: 300 });
  const ids = await page.evaluate(() => window.harness.record(50));
  // Before: each write failed three times and the records waited in memory for a write that never came.
  const stored = await stack.api.waitForStored(ids.length);
  expect(new Set(stored)).toEqual(new Set(ids));
  expect(stored).toHaveLength(ids.length);
  const events = await stack.api.storedEvents();
  expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
  expect(events.map((e) => e.client_seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(warnings.filter((w) => w.includes('queueing in memory only'))).toHaveLength(1);
  await expect.poll(() => page.evaluate(() => window.harness.log.stats().queued)).toBe(0);
});

test('a page deleting the queue database (an app clearing its storage) is not blocked, and a new page still delivers', async ({ context, stack }) => {
  // Before: the first tab's connection ignored versionchange, so the delete waited for that tab to close,
  // and so did every open() behind it: the new page's records waited in memory, never written nor sent.
  const first = await context.newPage();
  await openClient(first, stack, { batchSize: 1000, flushInterval: 60_000 });
  const name = await first.evaluate(async () => (window.harness.record(3), await window.harness.log.durable(), window.harness.log.queue.name));
  const other = await context.newPage();
  await other.goto(`${stack.app.url}/e2e/pages/blank.html`);
  type Deleting = { deletion?: 'pending' | 'done' };
  await other.evaluate((db) => {
    const w = window as unknown as Deleting;
    w.deletion = 'pending';
    indexedDB.deleteDatabase(db).onsuccess = () => (w.deletion = 'done');
  }, name);
  await until(async () => (await other.evaluate(() => (window as unknown as Deleting).deletion)) === 'done', 'the delete to go through');

  const next = await context.newPage();
  await openClient(next, stack, { batchSize: 5, flushInterval: 300 });
  const ids = await next.evaluate(() => window.harness.record(5));
  const stored = await stack.api.waitForStored(ids.length);
  expect(new Set(stored)).toEqual(new Set(ids));
  // The first tab carries on in the new database too.
  const later = await first.evaluate(async () => {
    const ids = window.harness.record(5);
    await window.harness.log.flush();
    return ids;
  });
  await stack.api.waitForStored(ids.length + later.length);
  expect(new Set(await stack.api.storedIds())).toEqual(new Set([...ids, ...later]));
});

test('a page crashed between writing a dead letter and deleting its queue entry leaves the event once, dead and not queued', async ({ context, stack }) => {
  // A wrong key: the server answers 401, and the event goes to the dead letters.
  const refused = { key: 'not-a-key', batchSize: 1000, flushInterval: 60_000 };
  const first = await context.newPage();
  await openClient(first, stack, refused);
  type Paused = { atDelete?: boolean };
  const [id, name] = await first.evaluate(() => {
    const { log } = window.harness;
    // The delivery's next step after the dead letter's write is this delete: the page crashes there.
    log.queue.delete = () => (((window as unknown as Paused).atDelete = true), new Promise<void>(() => {}));
    const [id] = window.harness.record(1);
    void log.flush();
    return [id!, log.queue.name];
  });
  await until(() => first.evaluate(() => (window as unknown as Paused).atDelete === true), 'the delivery to reach the delete');
  // A renderer crash: no pagehide, no visibilitychange, no unload handler runs.
  const cdp = await context.newCDPSession(first);
  const crashed = first.waitForEvent('crash');
  void cdp.send('Page.crash').catch(() => {});
  await crashed;

  const look = async () => {
    const page = await context.newPage();
    await page.goto(`${stack.app.url}/e2e/pages/blank.html`);
    const seen = await page.evaluate(async (db) => {
      const { deadLetters, indexedDBQueue } = (await import(`${location.origin}/dist/browser/aegislog.js`)) as typeof import('../src/index.js');
      const queue = indexedDBQueue({ name: db });
      return { dead: (await deadLetters(queue)).map((e) => e.event_id), queued: await queue.count('q') };
    }, name);
    await page.close();
    return seen;
  };
  const afterCrash = await look();
  // The next page, with the same wrong key, flushes what it finds.
  const next = await context.newPage();
  await openClient(next, stack, refused);
  await next.evaluate(() => window.harness.log.flush());
  const afterNextFlush = await look();
  // Before: the event was both dead and queued after the crash, and then dead twice (two records of one key).
  expect({ afterCrash, afterNextFlush }).toEqual({ afterCrash: { dead: [id], queued: 0 }, afterNextFlush: { dead: [id], queued: 0 } });
  expect(await stack.api.storedIds()).toEqual([]);
});

test('tabs that queue in one millisecond, one event_id a prefix of another: list() takes them in key order', async ({ context, stack }) => {
  // Keys as the client makes them: the same millisecond and per-tab sequence, so the event_ids alone order them.
  // Each tab writes its own record; before, `order-1`'s record sorted after `order-1-b`'s, and list() stopped short.
  const name = `prefix-order-${Date.now()}`;
  const tabs = [];
  for (const id of ['order-1-b', 'order-1', 'order-1-a']) {
    const tab = await context.newPage();
    await tab.goto(`${stack.app.url}/e2e/pages/blank.html`);
    await tab.evaluate(async ([db, id]) => {
      const { indexedDBQueue } = (await import(`${location.origin}/dist/browser/aegislog.js`)) as typeof import('../src/index.js');
      await indexedDBQueue({ name: db }).put([{ key: `q0mj4kx1c80000:${id}`, event_id: id, body: '{}' }]);
    }, [name, id] as const);
    tabs.push(tab);
  }
  const listed = await tabs[0]!.evaluate(async (db) => {
    const { indexedDBQueue } = (await import(`${location.origin}/dist/browser/aegislog.js`)) as typeof import('../src/index.js');
    const queue = indexedDBQueue({ name: db });
    return Promise.all([1, 2, 3].map(async (limit) => (await queue.list('q', limit)).map((e) => e.event_id)));
  }, name);
  expect(listed).toEqual([['order-1'], ['order-1', 'order-1-a'], ['order-1', 'order-1-a', 'order-1-b']]);
});
