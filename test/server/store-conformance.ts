import { describe, expect, test } from 'vitest';
import { b64uEncode, canonicalBytes, canonicalize, formatTime, sha256, tenantHeadHash } from '../../src/protocol/index.js';
import type { TenantHead, WireEvent } from '../../src/protocol/index.js';
import type { NewEntry, SealCommit, SignatureWrite, Store, StoredHead } from '../../src/server/types.js';
import { ROOT_LOG } from '../../src/server/types.js';
import { RECORDS_PAGE_CHARS } from '../../src/server/store-rules.js';
import { leafHash, merkleRoot } from '../../src/tlog/merkle.js';
import { appendLeafHashes, edgeTilesOf } from '../../src/tlog/tile-append.js';
import { inclusionFromTiles, rootFromTiles, type TileSource } from '../../src/tlog/tile-proofs.js';
import { inclusionProof } from '../../src/tlog/merkle.js';
import { innerTileOf } from '../../src/tlog/tiles.js';

const utf8 = new TextEncoder();
const T = (h: number, ms = 0) => formatTime(Date.UTC(2026, 10, 28, h, 0, 0, ms));

export function entry(tenant: string, eventId: string, extra: Record<string, unknown> = {}): NewEntry {
  const event = { tenant_id: tenant, event_type: 't', event_id: eventId, trace_id: eventId, ...extra } as WireEvent;
  const eventJson = canonicalize(event);
  return { event, eventJson, digest_b64url: b64uEncode(sha256(utf8.encode(eventJson))) };
}

const append = (store: Store, tenant: string, ids: string[], now: number, extra: Record<string, unknown> = {}) =>
  store.append({ tenantId: tenant, entries: ids.map((id) => entry(tenant, id, extra)), now, keyId: 'k1', sha256 });

const tiles = (store: Store, log: string): TileSource => ({ read: (refs) => store.readTiles(log, refs) });

/**
 * `grownLogs`, without the size and root a store may add (GrownLog.treeSize and .root), once those are checked
 * against what `sizeAt` and the log's tiles give: a store may save the sealer reads, never change what it seals.
 */
export async function grownChecked(store: Store, end: string): Promise<{ tenantId: string; prevTreeSize: number; prevHeadIndex: number | null }[]> {
  const grown = await store.grownLogs(end);
  for (const g of grown) {
    if (g.treeSize === undefined && g.root === undefined) continue;
    expect(g.treeSize, `${g.tenantId}: treeSize`).toBe(await store.sizeAt(g.tenantId, end));
    expect(g.root, `${g.tenantId}: root`).toEqual(await rootFromTiles(g.treeSize!, tiles(store, g.tenantId)));
  }
  return grown.map(({ tenantId, prevTreeSize, prevHeadIndex }) => ({ tenantId, prevTreeSize, prevHeadIndex }));
}

/** A seal as the sealer writes it, built here from the store's own reads. */
export async function sealOf(store: Store, start: string, end: string): Promise<SealCommit> {
  await store.closePeriod(end);
  const rootSize = await store.logSize(ROOT_LOG);
  const heads: StoredHead[] = [];
  for (const grown of await grownChecked(store, end)) {
    const size = await store.sizeAt(grown.tenantId, end);
    const head: TenantHead = {
      v: 2, tenant_id: grown.tenantId, period_start: start, period_end: end, tree_size: size,
      root_b64url: b64uEncode(await rootFromTiles(size, tiles(store, grown.tenantId))),
      prev_tree_size: grown.prevTreeSize, prev_head_index: grown.prevHeadIndex,
    };
    heads.push({ head, headIndex: rootSize + heads.length });
  }
  const edge: Uint8Array[] = [];
  for (const t of edgeTilesOf(rootSize)) edge[t.level] = (await store.readTiles(ROOT_LOG, [t]))[0]!;
  const hashes = new Uint8Array(32 * heads.length);
  heads.forEach((h, i) => hashes.set(leafHash(tenantHeadHash(h.head)), 32 * i));
  const { size, writes } = appendLeafHashes(rootSize, edge, hashes);
  return { period_start: start, period_end: end, sealed_at: end, heads, rootWrites: writes, rootSize: size, note: `note ${size}\n` };
}

/**
 * The contract of `Store` (src/server/types.ts): every store passes all of it; a
 * durable store (one `open` gives `reopen`) also keeps everything across a reopen.
 */
export function storeConformance(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup(): Promise<void> }>, durable = false) {
  describe(`Store conformance: ${name}`, () => {
    const withStore = (body: (store: Store, reopen?: () => Promise<Store>) => Promise<void>) => async () => {
      const { store, reopen, cleanup } = await open();
      try {
        await body(store, reopen);
      } finally {
        await store.close();
        await cleanup();
      }
    };

    test('append fixes received_at and leaf indexes in the commit; duplicates (also within a batch) come back as existing', withStore(async (store) => {
      const first = await store.append({ tenantId: 'acme', entries: [entry('acme', 'e1', { s: 'é😀' }), entry('acme', 'e2'), entry('acme', 'e1')], now: Date.parse(T(1)), keyId: 'k1', sha256 });
      expect(first.map((o) => o.stored)).toEqual([true, true, false]);
      const [a, b] = first.map((o) => (o.stored ? o.record : o.existing));
      expect([a!.leafIndex, b!.leafIndex]).toEqual([0, 1]);
      expect(a!.statement).toEqual({ v: 1, tenant_id: 'acme', event_id: 'e1', digest_b64url: entry('acme', 'e1', { s: 'é😀' }).digest_b64url, received_at: T(1), key_id: 'k1', signing_alg: 'ECDSA_SHA_256' });
      expect(a!.receiptHash).toEqual(sha256(canonicalBytes(a!.statement)));
      expect(a!.signature_b64url).toBeNull();
      const again = await append(store, 'acme', ['e1', 'e3'], Date.parse(T(2)));
      expect(again[0]).toMatchObject({ stored: false, existing: { leafIndex: 0, statement: { received_at: T(1) } } });
      expect(again[1]).toMatchObject({ stored: true, record: { leafIndex: 2 } });
      const back = await store.getRecord('acme', 'e1');
      expect(back).toMatchObject({ leafIndex: 0, eventJson: canonicalize(a!.event), statement: a!.statement });
      expect(await store.getRecord('acme', 'nope')).toBeUndefined();
      expect(await append(store, 'beta', ['e1'], Date.parse(T(1)))).toMatchObject([{ stored: true, record: { leafIndex: 0 } }]);
      expect([await store.logSize('acme'), await store.logSize('beta'), await store.logSize('nobody')]).toEqual([3, 1, 0]);
    }));

    test('an event comes back as given, also one whose payload looks like a store\'s own encoding', withStore(async (store) => {
      const payloads = [{ blob: { $bytes: 'AAEC' } }, { blob: { $bytes: '!!' } }, { blob: { $$bytes: 'AAEC', $x: 1 } }, { blob: [{ $bytes: 'AAEC' }] }];
      const entries = payloads.map((p, i) => entry('acme', `p${i}`, p));
      const outcomes = await store.append({ tenantId: 'acme', entries, now: Date.parse(T(1)), keyId: 'k1', sha256 });
      const back = [...outcomes.map((o) => (o.stored ? o.record : o.existing)), ...(await store.records('acme', 0, 10, 10))];
      for (const e of entries) back.push((await store.getRecord('acme', e.event.event_id))!);
      expect(back.map((r) => [r.event, r.eventJson, canonicalize(r.event)])).toEqual([...entries, ...entries, ...entries].map((e) => [e.event, e.eventJson, e.eventJson]));
    }));

    test('a page of records stops at RECORDS_PAGE_CHARS of event text (always one), and paging on gives each record once', withStore(async (store) => {
      // An export streams a page at a time: 500 events of up to 1 MiB each held half a gigabyte per export.
      const big = Math.floor(RECORDS_PAGE_CHARS / 2.5);
      const entries = Array.from({ length: 5 }, (_, i) => entry('acme', `e${i}`, { blob: String(i).repeat(big) }));
      for (const e of entries) await store.append({ tenantId: 'acme', entries: [e], now: Date.parse(T(1)), keyId: 'k1', sha256 });
      await append(store, 'acme', ['small'], Date.parse(T(1)));
      const pages: string[][] = [];
      for (let from = 0, pass = 0; from < 6 && pass < 10; pass++) {
        const page = await store.records('acme', from, 6, 500);
        pages.push(page.map((r) => r.statement.event_id));
        expect(page.length === 1 || page.reduce((n, r) => n + r.eventJson.length, 0) <= RECORDS_PAGE_CHARS).toBe(true);
        from += page.length || 6;
      }
      expect(pages).toEqual([['e0', 'e1'], ['e2', 'e3'], ['e4', 'small']]);
      expect((await store.records('acme', 3, 6, 1)).map((r) => r.eventJson)).toEqual([entries[3]!.eventJson]);
    }));

    test('a page of records counts event text in UTF-16 units, as RECORDS_PAGE_CHARS does: a character outside the BMP counts twice', withStore(async (store) => {
      // Each event holds over a fifth of a page in UTF-16 units, in half as many characters (emoji), and under 2 MB of
      // UTF-8 (a Durable Object's bound on a record): four to a page in every store, where counting characters put six.
      const entries = Array.from({ length: 6 }, (_, i) => entry('acme', `e${i}`, { blob: '😀'.repeat(450_000) }));
      for (const e of entries) await store.append({ tenantId: 'acme', entries: [e], now: Date.parse(T(1)), keyId: 'k1', sha256 });
      const page = await store.records('acme', 0, 6, 500);
      expect(page.map((r) => r.statement.event_id)).toEqual(['e0', 'e1', 'e2', 'e3']);
      expect(page.reduce((n, r) => n + r.eventJson.length, 0)).toBeLessThanOrEqual(RECORDS_PAGE_CHARS);
    }));

    test('received_at never decreases along a log and never falls below closed_until', withStore(async (store) => {
      await append(store, 'acme', ['a'], Date.parse(T(5)));
      const back = await append(store, 'acme', ['b'], Date.parse(T(3))); // the clock stepped back
      expect(back[0]).toMatchObject({ record: { statement: { received_at: T(5) } } });
      await store.closePeriod(T(8));
      expect(await store.closedUntil()).toBe(T(8));
      expect(await append(store, 'acme', ['c'], Date.parse(T(6)))).toMatchObject([{ record: { statement: { received_at: T(8) } } }]);
      expect(await append(store, 'newcomer', ['x'], Date.parse(T(1)))).toMatchObject([{ record: { statement: { received_at: T(8) } } }]);
      await expect(store.closePeriod(T(7))).rejects.toMatchObject({ code: 'ERR_PERIOD_ORDER', message: expect.stringMatching(/cannot close at the earlier/) });
      await store.closePeriod(T(8)); // idempotent
    }));

    test('signatures are kept once; records page in leaf order', withStore(async (store) => {
      await append(store, 'acme', ['a', 'b', 'c', 'd'], Date.parse(T(1)));
      await store.putSignatures([{ tenantId: 'acme', eventId: 'b', leafIndex: 1, signature_b64url: 'sig-b' }]);
      await store.putSignatures([{ tenantId: 'acme', eventId: 'b', leafIndex: 1, signature_b64url: 'other' }]);
      expect((await store.getRecord('acme', 'b'))!.signature_b64url).toBe('sig-b');
      expect((await store.records('acme', 1, 4, 2)).map((r) => [r.leafIndex, r.statement.event_id, r.signature_b64url])).toEqual([[1, 'b', 'sig-b'], [2, 'c', null]]);
      expect(await store.records('acme', 4, 10, 5)).toEqual([]);
    }));

    test('a signature for a record that does not exist is not kept: the record that later takes its leaf gets its own', withStore(async (store) => {
      await append(store, 'acme', ['a'], Date.parse(T(1)));
      await store.putSignatures([{ tenantId: 'acme', eventId: 'not-yet', leafIndex: 1, signature_b64url: 'foreign' }]);
      await store.putSignatures([{ tenantId: 'beta', eventId: 'a', leafIndex: 0, signature_b64url: 'foreign' }]);
      await append(store, 'acme', ['b'], Date.parse(T(1)));
      await append(store, 'beta', ['a'], Date.parse(T(1)));
      expect([(await store.getRecord('acme', 'b'))!.signature_b64url, (await store.getRecord('beta', 'a'))!.signature_b64url]).toEqual([null, null]);
      await store.putSignatures([{ tenantId: 'acme', eventId: 'b', leafIndex: 1, signature_b64url: 'sig-b' }, { tenantId: 'beta', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' }]);
      expect([(await store.getRecord('acme', 'b'))!.signature_b64url, (await store.getRecord('beta', 'a'))!.signature_b64url]).toEqual(['sig-b', 'sig-a']);
    }));

    test('a signature naming a record\'s leaf under another event id is not kept on it', withStore(async (store) => {
      await append(store, 'acme', ['a'], Date.parse(T(1)));
      await store.putSignatures([{ tenantId: 'acme', eventId: 'other', leafIndex: 0, signature_b64url: 'foreign' }]);
      expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBeNull();
      await store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' }]);
      expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBe('sig-a');
    }));

    test('a bad signature write is refused whole, naming its field, and fails no write beside it', withStore(async (store) => {
      const first = append(store, 'acme', ['a'], Date.parse(T(1)));
      const bad = [
        { tenantId: 'acme', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' },
        { tenantId: 'acme', eventId: 'b', signature_b64url: 'sig-b' } as unknown as SignatureWrite,
      ];
      const refused = store.putSignatures(bad).then(() => undefined, (error: unknown) => error);
      const second = append(store, 'acme', ['b'], Date.parse(T(1)));
      expect(await refused).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field: 'signatures[1].leafIndex' });
      expect((await first)[0]!.stored).toBe(true);
      expect((await second)[0]!.stored).toBe(true);
      expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBeNull();
      await expect(store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: -1, signature_b64url: 's' }])).rejects.toMatchObject({ field: 'signatures[0].leafIndex' });
      await expect(store.putSignatures([null as unknown as SignatureWrite])).rejects.toMatchObject({ field: 'signatures[0]' });
    }));

    test('tiles and entries grow with the log: roots and proofs match the receipt hashes', withStore(async (store) => {
      const hashes: Uint8Array[] = [];
      for (let i = 0; i < 7; i++) {
        const out = await append(store, 'acme', Array.from({ length: 97 }, (_, j) => `e${i}-${j}`), Date.parse(T(1)) + i);
        for (const o of out) if (o.stored) hashes.push(o.record.receiptHash);
      }
      expect(await store.logSize('acme')).toBe(679);
      expect(await rootFromTiles(679, tiles(store, 'acme'))).toEqual(merkleRoot(hashes));
      expect(await rootFromTiles(300, tiles(store, 'acme'))).toEqual(merkleRoot(hashes.slice(0, 300)));
      expect(await inclusionFromTiles(513, 679, tiles(store, 'acme'))).toEqual(inclusionProof(513, hashes));
      expect(await store.entryData('acme', 255, 258)).toEqual(hashes.slice(255, 258));
      expect(await store.entryData('acme', 250, 250)).toEqual([]);
      expect(await store.entryData('acme', 1e6, 1e6 + 16)).toEqual([]);
      // Beside each full tile, its inner nodes: the roots of its groups of 16 leaves (none for the partial tile).
      const inner = await store.readTiles('acme', [innerTileOf({ level: 0, index: 0 }), innerTileOf({ level: 0, index: 1 })]);
      inner.forEach((nodes, t) => {
        expect(nodes.length).toBe(32 * 16);
        for (let g = 0; g < 16; g++) expect(nodes.subarray(32 * g, 32 * g + 32)).toEqual(merkleRoot(hashes.slice(256 * t + 16 * g, 256 * t + 16 * g + 16)));
      });
      // A tile not held is ERR_TILE_MISSING: the one error that lets the server mark a level as having no inner nodes.
      await expect(store.readTiles('acme', [innerTileOf({ level: 0, index: 2 })])).rejects.toMatchObject({ code: 'ERR_TILE_MISSING' });
      await expect(store.readTiles('acme', [{ level: 0, index: 9, width: 256 }])).rejects.toMatchObject({ code: 'ERR_TILE_MISSING' });
    }));

    test('a seal: grown logs, sizes at the boundary, heads in the root log, one checkpoint; order and repeats refused', withStore(async (store) => {
      await append(store, 'b-tenant', ['1', '2'], Date.parse(T(1)));
      await append(store, 'A-tenant', ['1'], Date.parse(T(1, 500)));
      await store.closePeriod(T(2));
      await append(store, 'b-tenant', ['3'], Date.parse(T(1))); // after the close: stamped at closed_until, outside the period
      expect(await grownChecked(store, T(2))).toEqual([
        { tenantId: 'A-tenant', prevTreeSize: 0, prevHeadIndex: null },
        { tenantId: 'b-tenant', prevTreeSize: 0, prevHeadIndex: null },
      ]);
      expect(await store.sizeAt('b-tenant', T(2))).toBe(2);
      expect(await store.earliestPending()).toBe(T(1));
      const seal = await sealOf(store, T(0), T(2));
      expect(seal.heads.map((h) => [h.head.tenant_id, h.head.tree_size, h.headIndex])).toEqual([['A-tenant', 1, 0], ['b-tenant', 2, 1]]);
      const c0 = await store.commitSeal(seal);
      expect(c0).toEqual({ seq: 0, note: 'note 2\n', tree_size: 2, period_start: T(0), period_end: T(2), sealed_at: T(2) });
      await expect(store.commitSeal(seal)).rejects.toMatchObject({ code: 'ERR_ALREADY_SEALED' });
      expect(await store.logSize(ROOT_LOG)).toBe(2);
      expect(await store.entryData(ROOT_LOG, 0, 2)).toEqual(seal.heads.map((h) => tenantHeadHash(h.head)));
      expect(await rootFromTiles(2, tiles(store, ROOT_LOG))).toEqual(merkleRoot(seal.heads.map((h) => tenantHeadHash(h.head))));
      // What the seal covered is no longer pending; the entry after the close is.
      expect(await grownChecked(store, T(4))).toEqual([{ tenantId: 'b-tenant', prevTreeSize: 2, prevHeadIndex: 1 }]);
      expect(await store.earliestPending()).toBe(T(2));
      const gap = await sealOf(store, T(3), T(4));
      await expect(store.commitSeal(gap)).rejects.toMatchObject({ code: 'ERR_PERIOD_ORDER' });
      const c1 = await store.commitSeal(await sealOf(store, T(2), T(4)));
      expect(c1.seq).toBe(1);
      expect(await store.earliestPending()).toBeUndefined();
      expect((await store.latestCheckpoint())!.seq).toBe(1);
      expect((await store.checkpoints(0, 5)).map((c) => c.seq)).toEqual([0, 1]);
      expect((await store.checkpoints(1, 2)).map((c) => c.period_start)).toEqual([T(2)]);
      await store.updateNote(1, 'note 3\n— more\n');
      expect((await store.latestCheckpoint())!.note).toBe('note 3\n— more\n');
    }));

    test('a seal whose period does not end after it starts is refused (ERR_PERIOD_ORDER), and nothing of it is kept', withStore(async (store) => {
      await append(store, 'acme', ['a'], Date.parse(T(1)));
      const none = { sealed_at: T(2), heads: [], rootWrites: [], note: 'note\n' };
      await expect(store.commitSeal({ ...none, period_start: T(2), period_end: T(1), rootSize: 0 })).rejects.toMatchObject({ code: 'ERR_PERIOD_ORDER', message: expect.stringMatching(/does not end after it starts/) });
      expect(await store.latestCheckpoint()).toBeUndefined();
      await store.commitSeal(await sealOf(store, T(0), T(2)));
      // Where the last sealed period ended: [T(2), T(2)) holds no millisecond.
      await expect(store.commitSeal({ ...none, period_start: T(2), period_end: T(2), rootSize: 1 })).rejects.toMatchObject({ code: 'ERR_PERIOD_ORDER', message: expect.stringMatching(/does not end after it starts/) });
      expect((await store.checkpoints(0, 5)).map((c) => [c.period_start, c.period_end])).toEqual([[T(0), T(2)]]);
    }));

    test('updateNote keeps the cosignatures another process added since the caller read the note (a fleet\'s witness clients)', withStore(async (store) => {
      await append(store, 'acme', ['a'], Date.parse(T(1)));
      const { seq } = await store.commitSeal({ ...(await sealOf(store, T(0), T(2))), note: 'origin\n1\nroot\n\n— origin sig\n' });
      // Two processes (Workers on one root object, serve processes on one database) each read the note with the
      // log's signature alone and add the cosignature their witness gave: neither may drop the other's.
      await store.updateNote(seq, 'origin\n1\nroot\n\n— origin sig\n— w1 c1\n');
      await store.updateNote(seq, 'origin\n1\nroot\n\n— origin sig\n— w2 c2\n');
      expect((await store.latestCheckpoint())!.note).toBe('origin\n1\nroot\n\n— origin sig\n— w1 c1\n— w2 c2\n');
      // A note over another text replaces it (the contract's caller only ever adds signatures over the same text).
      await store.updateNote(seq, 'other\n1\nroot\n\n— other sig\n');
      expect((await store.latestCheckpoint())!.note).toBe('other\n1\nroot\n\n— other sig\n');
    }));

    test('heads by period, by leaf, last, paged, and by root-log index', withStore(async (store) => {
      await append(store, 'acme', ['1', '2'], Date.parse(T(1)));
      await store.commitSeal(await sealOf(store, T(0), T(2)));
      await append(store, 'other', ['1'], Date.parse(T(2)));
      await store.commitSeal(await sealOf(store, T(2), T(3)));
      await append(store, 'acme', ['3', '4', '5'], Date.parse(T(3)));
      await store.commitSeal(await sealOf(store, T(3), T(4)));
      const h = await store.headFor('acme', T(3));
      expect(h).toMatchObject({ headIndex: 2, head: { tree_size: 5, prev_tree_size: 2, prev_head_index: 0 } });
      expect(await store.headFor('acme', T(2))).toBeUndefined();
      expect((await store.headCovering('acme', 1))!.headIndex).toBe(0);
      expect((await store.headCovering('acme', 2))!.headIndex).toBe(2);
      await append(store, 'acme', ['6'], Date.parse(T(4)));
      expect(await store.headCovering('acme', 5)).toBeUndefined();
      expect((await store.lastHead('acme'))!.headIndex).toBe(2);
      expect(await store.lastHead('nobody')).toBeUndefined();
      expect((await store.heads('acme', undefined, 10)).map((x) => x.headIndex)).toEqual([0, 2]);
      expect((await store.heads('acme', 0, 10)).map((x) => x.headIndex)).toEqual([2]);
      expect((await store.heads('acme', undefined, 1)).map((x) => x.headIndex)).toEqual([0]);
      expect((await store.headAt(1))!.head.tenant_id).toBe('other');
      expect(await store.headAt(9)).toBeUndefined();
    }));

    test('keys are kept once, in the order first seen; the seal lease has one holder until it expires', withStore(async (store) => {
      const k1 = { kty: 'EC' as const, crv: 'P-256' as const, x: 'x1', y: 'y1', kid: 'k1' };
      const k2 = { ...k1, x: 'x2', kid: 'k2' };
      await store.putKey(k1);
      await store.putKey(k2);
      await store.putKey({ ...k1, x: 'changed' });
      expect(await store.keys()).toEqual([k1, k2]);
      expect(await store.acquireSealLease('p1', 1000, 500)).toBe(true);
      expect(await store.acquireSealLease('p1', 1100, 500)).toBe(true);
      expect(await store.acquireSealLease('p2', 1200, 500)).toBe(false);
      expect(await store.acquireSealLease('p2', 1700, 500)).toBe(true);
      await store.releaseSealLease('p2');
      expect(await store.acquireSealLease('p3', 1800, 500)).toBe(true);
    }));

    test('the seal lease takes clock readings with fractions of a millisecond (the guarded clock counts on from performance.now())', withStore(async (store) => {
      expect(await store.acquireSealLease('p1', 1000.5, 500)).toBe(true);
      expect(await store.acquireSealLease('p1', 1100.25, 500)).toBe(true);
      expect(await store.acquireSealLease('p2', 1200.75, 500)).toBe(false);
      expect(await store.acquireSealLease('p2', 1700.75, 500)).toBe(true);
    }));

    test('the size each witness last cosigned is kept by name', withStore(async (store) => {
      expect(await store.witnessSizes()).toEqual({});
      await store.putWitnessSize('witness.example/w1', 5);
      await store.putWitnessSize('witness.example/w2', 3);
      await store.putWitnessSize('witness.example/w1', 9);
      expect(await store.witnessSizes()).toEqual({ 'witness.example/w1': 9, 'witness.example/w2': 3 });
      // A witness only moves forward: a process that cosigned an older checkpoint (a fleet's, or a submission that
      // ended late) does not move it back. The Durable Object and Postgres stores kept the larger; SQLite and
      // memory took the last.
      await store.putWitnessSize('witness.example/w1', 7);
      expect(await store.witnessSizes()).toEqual({ 'witness.example/w1': 9, 'witness.example/w2': 3 });
    }));

    test('concurrent appends to one log get distinct consecutive leaf indexes; to many logs, their own', withStore(async (store) => {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => append(store, i % 2 ? 'acme' : 'beta', [`c${i % 20}`, `d${i}`], Date.parse(T(1)) + i)));
      const indexes = (tenant: string) => results.flatMap((r, i) => (i % 2 ? 'acme' : 'beta') === tenant ? r.filter((o) => o.stored).map((o) => (o.stored ? o.record.leafIndex : -1)) : []);
      for (const tenant of ['acme', 'beta']) {
        expect(indexes(tenant).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
        const records = await store.records(tenant, 0, 100, 100);
        for (let i = 1; i < records.length; i++) expect(records[i]!.statement.received_at >= records[i - 1]!.statement.received_at).toBe(true);
      }
    }));

    test.skipIf(!durable)('what was stored survives a reopen', withStore(async (store, reopen) => {
      expect(reopen).toBeDefined();
      await append(store, 'acme', ['keep', 'also'], Date.parse(T(1)));
      await store.putSignatures([{ tenantId: 'acme', eventId: 'keep', leafIndex: 0, signature_b64url: 'sig' }]);
      await store.commitSeal(await sealOf(store, T(0), T(2)));
      await store.closePeriod(T(3));
      await store.putWitnessSize('witness.example/w1', 1);
      await store.close();
      const again = await reopen!();
      try {
        expect(await again.getRecord('acme', 'keep')).toMatchObject({ leafIndex: 0, signature_b64url: 'sig', statement: { received_at: T(1) } });
        expect((await again.latestCheckpoint())?.period_end).toBe(T(2));
        expect(await again.closedUntil()).toBe(T(3));
        expect(await again.logSize(ROOT_LOG)).toBe(1);
        expect(await again.witnessSizes()).toEqual({ 'witness.example/w1': 1 });
        const more = await append(again, 'acme', ['late'], Date.parse(T(1)));
        expect(more[0]).toMatchObject({ record: { leafIndex: 2, statement: { received_at: T(3) } } });
      } finally {
        await again.close();
      }
    }));
  });
}
