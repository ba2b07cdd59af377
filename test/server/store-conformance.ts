import { describe, expect, test } from 'vitest';
import { b64uEncode, canonicalize, sha256 } from '../../src/protocol/index.js';
import type { CheckpointV1, Receipt, TenantHeadV1, WireEvent } from '../../src/protocol/index.js';
import type { Store, StoredRecord } from '../../src/server/index.js';

/** A record as the server would store it (the signature is a placeholder: stores never check it). */
export function record(tenant: string, eventId: string, receivedAt: string, extra: Record<string, unknown> = {}): StoredRecord {
  const event = { tenant_id: tenant, event_type: 't', event_id: eventId, trace_id: 'tr', ...extra } as WireEvent;
  const eventJson = canonicalize(event);
  const digest = b64uEncode(sha256(new TextEncoder().encode(eventJson)));
  const receipt: Receipt = {
    ok: true, v: 1, tenant_id: tenant, event_id: eventId, digest_b64url: digest, received_at: receivedAt,
    key_id: 'k', signing_alg: 'ECDSA_SHA_256', trace_id: 'tr', signature_b64url: 'sig',
  };
  return { event, eventJson, receipt, receiptHash: sha256(new TextEncoder().encode(`${tenant}/${eventId}/${receivedAt}`)) };
}

export function checkpoint(start: string, end: string, extra: Partial<CheckpointV1> = {}): CheckpointV1 {
  return {
    v: 1, log_id: 'l', period_start: start, period_end: end, tree_size: 0, root_b64url: 'r', prev_b64url: null,
    sealed_at: end, key_id: 'k', signing_alg: 'ECDSA_SHA_256', signature_b64url: 's', ...extra,
  };
}

const head = (tenant: string, start: string, end: string): TenantHeadV1 => ({
  v: 1, tenant_id: tenant, period_start: start, period_end: end, tree_size: 1, root_b64url: 'x',
});

const T = (h: number, ms = 0) => new Date(Date.UTC(2026, 10, 28, h, 0, 0, ms)).toISOString();

/** The contract of `Store` (src/server/types.ts): every store passes all of it; a durable store (one `open` gives `reopen`) also survives a reopen. */
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

    test('stores new records, reports existing ones (also earlier in the same batch), reads them back exactly', withStore(async (store) => {
      const a = record('acme', 'e1', T(1), { n: 1.5, s: 'é😀' });
      const again = record('acme', 'e1', T(2), { n: 2 });
      expect(await store.putRecords([a, record('acme', 'e2', T(1)), again])).toEqual([
        { stored: true }, { stored: true }, { stored: false, existing: a },
      ]);
      const [outcome] = await store.putRecords([record('acme', 'e1', T(3))]);
      expect(outcome).toEqual({ stored: false, existing: a });
      const back = await store.getRecord('acme', 'e1');
      expect(back).toEqual(a);
      expect(back!.eventJson).toBe(canonicalize(a.event));
      expect(await store.getRecord('acme', 'nope')).toBeUndefined();
      // Same event_id, other tenant: a different record.
      expect(await store.putRecords([record('beta', 'e1', T(1))])).toEqual([{ stored: true }]);
    }));

    test('leaves and pages in leaf order (received_at, then event_id) within [start, end)', withStore(async (store) => {
      await store.putRecords([record('acme', 'b', T(2)), record('acme', 'a', T(2)), record('acme', 'z', T(1)), record('acme', 'late', T(3))]);
      await store.putRecords([record('other', 'x', T(2))]);
      const order = ['z', 'a', 'b'].map((id) => record('acme', id, id === 'z' ? T(1) : T(2)).receiptHash);
      expect(await store.leaves('acme', T(0), T(3))).toEqual(order);
      expect(await store.leaves('acme', T(3), T(4))).toHaveLength(1);
      const first = await store.page('acme', T(0), T(3), undefined, 2);
      expect(first.map((r) => r.receipt.event_id)).toEqual(['z', 'a']);
      const rest = await store.page('acme', T(0), T(3), first[1]!.receipt, 2);
      expect(rest.map((r) => r.receipt.event_id)).toEqual(['b']);
      expect(await store.page('acme', T(0), T(3), rest[0]!.receipt, 2)).toEqual([]);
    }));

    test('tenantsIn sorts bytewise; earliestReceipt finds the first at or after a time', withStore(async (store) => {
      await store.putRecords([record('b', '1', T(2)), record('B', '1', T(2)), record('a-1', '1', T(5)), record('a.0', '1', T(2))]);
      expect(await store.tenantsIn(T(0), T(3))).toEqual(['B', 'a.0', 'b']);
      expect(await store.tenantsIn(T(0), T(9))).toEqual(['B', 'a-1', 'a.0', 'b']);
      expect(await store.earliestReceipt('')).toBe(T(2));
      expect(await store.earliestReceipt(T(3))).toBe(T(5));
      expect(await store.earliestReceipt(T(6))).toBeUndefined();
    }));

    test('checkpoints chain without gaps; duplicates and gaps are refused; lookups by time and range', withStore(async (store) => {
      expect(await store.latestCheckpoint()).toBeUndefined();
      const c1 = checkpoint(T(0), T(1));
      const c2 = checkpoint(T(1), T(2), { tree_size: 2 });
      await store.putCheckpoint(c1, []);
      await store.putCheckpoint(c2, [head('a', T(1), T(2)), head('b', T(1), T(2))]);
      await expect(store.putCheckpoint(checkpoint(T(1), T(3)), [])).rejects.toMatchObject({ code: 'ERR_ALREADY_SEALED' });
      await expect(store.putCheckpoint(checkpoint(T(4), T(5)), [])).rejects.toMatchObject({ code: 'ERR_PERIOD_ORDER' });
      expect(await store.latestCheckpoint()).toEqual(c2);
      expect(await store.checkpointAt(T(1))).toEqual(c2);
      expect(await store.checkpointAt(T(0, 999))).toEqual(c1);
      expect(await store.checkpointAt(T(2))).toBeUndefined();
      expect(await store.checkpoints(undefined, undefined, 10)).toEqual([c1, c2]);
      expect(await store.checkpoints(T(1), undefined, 10)).toEqual([c2]);
      expect(await store.checkpoints(undefined, T(1), 10)).toEqual([c1]);
      expect(await store.checkpoints(undefined, undefined, 1)).toEqual([c1]);
      expect((await store.tenantHeads(T(1))).map((h) => h.tenant_id)).toEqual(['a', 'b']);
      expect(await store.tenantHeads(T(5))).toEqual([]);
    }));

    test('keys are kept once, in the order first seen', withStore(async (store) => {
      const k1 = { kty: 'EC' as const, crv: 'P-256' as const, x: 'x1', y: 'y1', kid: 'k1' };
      const k2 = { ...k1, x: 'x2', kid: 'k2' };
      await store.putKey(k1);
      await store.putKey(k2);
      await store.putKey({ ...k1, x: 'changed' });
      expect(await store.keys()).toEqual([k1, k2]);
    }));

    test('concurrent putRecords calls each get their own outcomes', withStore(async (store) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putRecords([record('acme', `c${i % 10}`, T(1))])));
      expect(results.filter(([o]) => o!.stored)).toHaveLength(10);
      expect(await store.leaves('acme', T(0), T(2))).toHaveLength(10);
    }));

    test.skipIf(!durable)('what was stored survives a reopen', withStore(async (store, reopen) => {
      expect(reopen).toBeDefined();
      await store.putRecords([record('acme', 'keep', T(1))]);
      await store.putCheckpoint(checkpoint(T(0), T(2)), [head('acme', T(0), T(2))]);
      await store.close();
      const again = await reopen!();
      try {
        expect((await again.getRecord('acme', 'keep'))?.receipt.received_at).toBe(T(1));
        expect((await again.latestCheckpoint())?.period_end).toBe(T(2));
      } finally {
        await again.close();
      }
    }));
  });
}
