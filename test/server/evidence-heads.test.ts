// The last head found per tenant serves the next bundles it covers without asking the store
// (src/server/evidence.ts): a sealed head never changes. These tests hold that memo to what the
// store itself answers, across periods, tenants and leaves no head covers yet.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { memoryStore, type Store } from '../../src/server/index.js';
import { KEYS, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

const c = clock(Date.UTC(2026, 10, 28, 1, 0, 0));
let s: Running;
let asked = 0;
const inner = memoryStore();
/** The server's store: `inner`, counting the server's calls of headCovering. */
const counting: Store = { ...inner, headCovering: (tenantId, leafIndex) => (asked++, inner.headCovering(tenantId, leafIndex)) };

async function ingest(n: number): Promise<Receipt[]> {
  const receipts: Receipt[] = [];
  for (let i = 0; i < n; i++) {
    const response = await s.call('/ingest', { key: KEYS.ingest, json: event() });
    expect(response.status).toBe(200);
    receipts.push((await response.json()) as Receipt);
  }
  return receipts;
}

async function bundle(receipt: Receipt): Promise<EvidenceBundle> {
  const response = await s.call(`/evidence/${receipt.event_id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as EvidenceBundle;
}

/** What the store answers for the bundle's leaf, asked directly (not counted). */
async function storeHead(b: EvidenceBundle) {
  return (await inner.headCovering(b.receipt.tenant_id, b.leaf_index))?.head;
}

beforeAll(async () => {
  s = await start({ now: c.now, store: counting });
});
afterAll(() => s.stop());

describe('the head of a bundle', () => {
  test('is asked of the store once per head, and always the head the store has for the leaf', async () => {
    const first = await ingest(3);
    c.advance(86_400_000);
    await s.server.sealDue();
    const second = await ingest(2);
    // Before the second seal: the first period's leaves are sealed, the new ones pending.
    asked = 0;
    for (const r of first) expect((await bundle(r)).status).toBe('sealed');
    expect(asked).toBe(1);
    for (const r of second) expect((await bundle(r)).status).toBe('pending');
    expect(asked).toBe(3); // no head covers them yet: asked every time, never remembered as missing

    c.advance(86_400_000);
    await s.server.sealDue();
    asked = 0;
    for (const r of [...second, ...first, ...second]) {
      const b = await bundle(r);
      expect(b.status).toBe('sealed');
      expect(b.tenant_head).toEqual(await storeHead(b));
    }
    // second (a new head), first (the older head), second again (the newer head, asked anew): one call each.
    expect(asked).toBe(3);
  });
});
