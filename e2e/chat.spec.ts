// The AI-app demo (demo/chat/) on the app's origin, recording into the
// reference server on another origin, and its receipts opened in the auditor.
import { createHash } from 'node:crypto';
import { expect, screenshots, test, until } from './support/fixtures.js';

test('the chat demo records every model call with its contexts, shows receipts, and links them into the auditor', async ({ page, context, stack }) => {
  await page.goto(`${stack.app.url}/demo/chat/`);
  await expect(page.locator('#conn-status')).toContainText(`Tenant ${stack.api.tenantId}`);
  const policyText = await page.locator('#policy-text').inputValue();
  const policyHash = `sha256:${createHash('sha256').update(policyText).digest('hex')}`;
  await expect(page.locator('#policy-hash')).toHaveText(policyHash);

  const prompt = page.getByLabel('Your message');
  await prompt.fill('Where is my parcel?');
  await prompt.press('Enter');
  await expect(page.locator('.bubble.assistant')).toHaveCount(2);
  await prompt.fill('Can I get a loan for a new car?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('.bubble.flagged')).toContainText('Needs human review');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('.bubble.flagged')).toContainText('Approved by reviewer@example.org');

  await until(async () => (await stack.api.storedIds()).length === 3, 'three events stored');
  await expect(page.locator('#receipts tr[data-event]')).toHaveCount(3);
  const events = await stack.api.storedEvents();
  const inference = events.filter((e) => e.event_type === 'model_inference');
  expect(inference).toHaveLength(2);
  for (const event of inference) {
    // Recorded by the AI SDK middleware around the page's model, streamed: sizes and token counts, never the text.
    expect(event).toMatchObject({ integration: 'ai-sdk', operation: 'stream', streamed: true, provider: 'demo', outcome: 'ok', finish_reason: 'stop' });
    expect(event.policy_context).toEqual({ policy_name: 'answer-policy', policy_version: '3', policy_hash: policyHash });
    expect(event.model_context).toEqual({ model_id: 'demo-assistant', model_version: '2026.05', model_type: 'llm', deployment_id: 'browser-demo' });
    expect(event.performance_metrics).toMatchObject({ confidence_score: expect.any(Number), latency_ms: expect.any(Number), input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(event.time_to_first_token_ms).toBeLessThanOrEqual((event.performance_metrics as { latency_ms: number }).latency_ms);
  }
  expect(JSON.stringify(events)).not.toMatch(/parcel|loan/i);
  const flagged = inference.find((e) => (e.human_intervention as { required?: boolean }).required)!;
  const review = events.find((e) => e.event_type === 'human_review')!;
  expect(review).toMatchObject({ reviewed_event_id: flagged.event_id, decision: 'approved', trace_id: flagged.trace_id });
  expect(review.human_intervention).toMatchObject({ required: true, reviewer: 'reviewer@example.org', reviewed_at: expect.any(Number) });
  await expect(page.locator('#stats')).toContainText('3sent');
  await screenshots(page, 'chat');

  // The receipt's link opens the auditor with the evidence in the fragment; pinned key, it verifies (pending: not sealed yet).
  const popup = context.waitForEvent('page');
  await page.locator(`#receipts tr[data-event="${review.event_id}"] a`).click();
  const auditor = await popup;
  await expect(auditor.locator('#load-status')).toContainText('the link: 1 item added');
  const pem = await (await fetch(`${stack.api.url}/keys/${encodeURIComponent((await stack.api.get('/.well-known/aegislog/keys.json').then((r) => r.json()) as { keys: { kid: string }[] }).keys[0]!.kid)}.pem`)).text();
  await auditor.getByLabel('Public key: SPKI PEM, JWK or JWKS').fill(pem);
  await auditor.getByRole('button', { name: 'Pin key' }).click();
  await expect(auditor.locator('#bundles article header')).toContainText('Signed, not yet sealed');
  await expect(auditor.locator('[data-check="digest"] .pill-ok')).toBeVisible();
  await expect(auditor.locator('[data-check="receipt_signature"] .pill-ok')).toBeVisible();
  // A version-2 bundle, as GET /evidence gives (its checks, not version 1's tenant_inclusion and chain).
  await expect(auditor.locator('[data-check="head_inclusion"]')).toHaveCount(1);
  await expect(auditor.locator('[data-check="tenant_inclusion"]')).toHaveCount(0);
  await expect(auditor.getByRole('list', { name: 'Compliance flags' }).locator('.pill-ok', { hasText: 'Art. 14' })).toHaveCount(1);
  await screenshots(auditor, 'auditor-from-chat');
});

test("a review decided before the model call's event reached the queue is still on that call's trace", async ({ page, stack }) => {
  await page.goto(`${stack.app.url}/demo/chat/`);
  await expect(page.locator('#conn-status')).toContainText(`Tenant ${stack.api.tenantId}`);
  // Another tab's long write to the shared queue (a flush of a large backlog) holds this tab's writes back: the call's
  // event is recorded, but not yet in the queue, when the reviewer decides.
  await page.evaluate(async () => {
    const config = (await (await fetch('../config.json')).json()) as { endpoint: string; tenant_id: string };
    const name = `aegislog:${config.tenant_id}@${config.endpoint.replace(/\/+$/, '')}`;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onupgradeneeded = () => request.result.createObjectStore('events');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const w = window as unknown as { held: boolean };
    w.held = true;
    const store = db.transaction('events', 'readwrite').objectStore('events');
    const spin = (): void => {
      if (w.held) store.get('!held').onsuccess = spin;
    };
    spin();
  });
  const prompt = page.getByLabel('Your message');
  await prompt.fill('Can I get a loan for a new car?');
  await prompt.press('Enter');
  await expect(page.locator('.bubble.flagged')).toContainText('Needs human review');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.locator('.bubble.flagged')).toContainText('Rejected by');
  await page.evaluate(() => void ((window as unknown as { held: boolean }).held = false));

  await until(async () => (await stack.api.storedIds()).length === 2, 'two events stored');
  const events = await stack.api.storedEvents();
  const call = events.find((e) => e.event_type === 'model_inference')!;
  const review = events.find((e) => e.event_type === 'human_review')!;
  expect(review).toMatchObject({ reviewed_event_id: call.event_id, decision: 'rejected', trace_id: call.trace_id });
});

test('each edit of the policy text is a version of its own: one version never carries two hashes', async ({ page, stack }) => {
  await page.goto(`${stack.app.url}/demo/chat/`);
  await expect(page.locator('#conn-status')).toContainText(`Tenant ${stack.api.tenantId}`);
  const original = await page.locator('#policy-text').inputValue();
  const prompt = page.getByLabel('Your message');
  for (const [i, text] of [`${original}\nAnswers cite the help centre.`, `${original}\nAnswers never cite the help centre.`].entries()) {
    await page.locator('#policy-text').fill(text);
    await expect(page.locator('#policy-hash')).toHaveText(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    await prompt.fill('Where is my parcel?');
    await prompt.press('Enter');
    await expect(page.locator('.bubble.assistant .byline')).toHaveCount(i + 2); // the greeting has one too
  }
  await until(async () => (await stack.api.storedIds()).length === 2, 'two events stored');
  const policies = (await stack.api.storedEvents()).map((e) => e.policy_context as { policy_version: string; policy_hash: string });
  expect(new Set(policies.map((p) => p.policy_hash)).size).toBe(2);
  expect(new Set(policies.map((p) => p.policy_version)).size).toBe(2);
  for (const p of policies) expect(p.policy_version).not.toBe('3');
});

test("a dead letter takes its queue entry's place in one write: a failed delete after it leaves the event dead, not queued too", async ({ page, stack }) => {
  // A wrong key: the server answers 401, and the model call's event goes to the dead letters.
  await page.addInitScript(() => {
    const w = window as unknown as { deadWritten?: boolean; atDelete?: boolean };
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (Array.isArray(value) && value.some((e: { key?: string }) => e.key?.startsWith('d'))) w.deadWritten = true;
      return put.call(this, value, key);
    };
    // Every write after the dead letter's fails (a closed connection, a crash): the delivery's delete of the entry.
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (w.deadWritten && args[1] === 'readwrite') {
        w.atDelete = true;
        throw new DOMException('the connection is closing', 'InvalidStateError');
      }
      return transaction.apply(this, args);
    } as IDBDatabase['transaction'];
  });
  const query = new URLSearchParams({ endpoint: stack.api.url, tenant: stack.api.tenantId, key: 'not-a-key' });
  await page.goto(`${stack.app.url}/demo/chat/?${query}`);
  await expect(page.locator('#conn-status')).toContainText(`Tenant ${stack.api.tenantId}`);
  const prompt = page.getByLabel('Your message');
  await prompt.fill('Where is my parcel?');
  await prompt.press('Enter');
  await expect(page.locator('.bubble.assistant .byline')).toHaveCount(2);
  await page.getByRole('button', { name: 'Flush' }).click();
  await until(() => page.evaluate(() => (window as unknown as { atDelete?: boolean }).atDelete === true), 'the delivery to reach the delete');

  const held = await page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const records = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction('events', 'readonly').objectStore('events').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const keys = records.filter(Array.isArray).flat().map((e: { key: string }) => e.key[0]);
    return { dead: keys.filter((k) => k === 'd').length, queued: keys.filter((k) => k === 'q').length };
  }, `aegislog:${stack.api.tenantId}@${stack.api.url.replace(/\/+$/, '')}`);
  // The page's queue wrapper passed put() its entries but not the keys they replace: the event stayed queued as well.
  expect(held).toEqual({ dead: 1, queued: 0 });
});

test('where IndexedDB cannot be opened, the page says its events wait in memory, not that a reload loses nothing', async ({ page, stack }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB blocked by the test', 'SecurityError');
    };
  });
  await page.goto(`${stack.app.url}/demo/chat/`);
  await expect(page.locator('#conn-status')).toContainText(`Tenant ${stack.api.tenantId}`);
  const prompt = page.getByLabel('Your message');
  await prompt.fill('Where is my parcel?');
  await prompt.press('Enter');
  await until(async () => (await stack.api.storedIds()).length === 1, 'the event stored');
  // The queue fell back to memory on its first write; the page's wrapper kept the `shared` it read when it was made.
  await expect(page.locator('#queue-store')).toContainText('IndexedDB is unavailable here: events wait in memory');
  await expect(page.locator('#queue-store')).not.toContainText('nothing is lost');
});
