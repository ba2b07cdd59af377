// GET /evidence/{id}?from_size=M carries a consistency proof from the auditor's size M to the bundle's checkpoint:
// M is the caller's choice, as /proof/consistency's pairs are, and each such proof was kept in the cache that
// /checkpoints pages use. 4,096 of them (one read key paging from_size through a root log of that many heads)
// pushed out every proof of the history, which its anonymous readers, charged for each proof computed, paid for again.
import { expect, test, vi } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { memoryStore } from '../../src/server/node.js';
import { entry } from './store-conformance.js';
import { KEYS, clock, event, withServer } from './helpers.js';

/** Consistency proofs computed from tiles (not found in a cache), counted across the module's callers. */
const computed = vi.hoisted(() => ({ proofs: 0 }));
vi.mock('../../src/tlog/tile-proofs.js', async (original) => {
  const actual = await original<typeof import('../../src/tlog/tile-proofs.js')>();
  return { ...actual, consistencyFromTiles: (...args: Parameters<typeof actual.consistencyFromTiles>) => (computed.proofs++, actual.consistencyFromTiles(...args)) };
});

test('from_size pairs of /evidence, however many, do not push the history\'s proofs out of its cache', async () => {
  const store = memoryStore();
  const time = clock();
  await withServer({ store, now: time.now, limits: { keyRatePerSecond: 0 } }, async (s) => {
    const call = (path: string, key: string | null = KEYS.read) => s.server(new Request(`http://x.test${path}`, { headers: key ? { 'x-api-key': key } : {} }));
    // A root log of 4,101 heads in two checkpoints: more from_size values to ask for than the cache holds (4,096).
    await store.append({ tenantId: 't-first', entries: [entry('t-first', 'e')], now: time.now(), keyId: 'k1', sha256 });
    await s.server.sealNow();
    time.advance(60_000);
    const receipt = (await (await s.call('/ingest', { key: KEYS.ingest, json: event() })).json()) as { event_id: string };
    for (let i = 0; i < 4100; i++) await store.append({ tenantId: `t-${i}`, entries: [entry(`t-${i}`, 'e')], now: time.now(), keyId: 'k1', sha256 });
    await s.server.sealNow();
    const history = () => call('/checkpoints?from=0&to=2', null);
    const first = computed.proofs;
    expect((await history()).status).toBe(200); // computes the one proof between the two checkpoints, and keeps it
    expect(computed.proofs - first).toBe(1);
    for (let from = 2; from <= 4100; from++) expect((await call(`/evidence/${receipt.event_id}?from_size=${from}`)).status).toBe(200);
    const before = computed.proofs;
    expect((await history()).status).toBe(200);
    expect(computed.proofs - before).toBe(0); // still in the cache: not computed again
  });
}, 120_000);
