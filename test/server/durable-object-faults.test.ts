import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import type { Store } from '../../src/server/index.js';
import { MAX_RECORD_BYTES } from '../../src/server/log-object-checks.js';
import { ROOT_LOG } from '../../src/server/types.js';
import { workerdStores } from './do-store-workerd.js';
import { entry, sealOf } from './store-conformance.js';

/**
 * durableObjectStore in real workerd (as test/server/durable-object-store.test.ts runs it): what its log
 * objects must refuse, typed and naming the field, before it reaches their storage: an event larger than a
 * Durable Object SQLite row, and calls whose values would break or falsify every later commit.
 */
const newStore = workerdStores('faults');

const T1 = Date.UTC(2026, 10, 28, 1);
const append = (store: Store, entries: ReturnType<typeof entry>[], now = T1) => store.append({ tenantId: 'acme', entries, now, keyId: 'k1', sha256 });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('durableObjectStore in workerd: what the log objects refuse', () => {
  test('an event larger than a Durable Object record is refused whole as ERR_TOO_LARGE naming it, and nothing of its batch is written', async () => {
    const store = newStore();
    // Over what workerd's SQLite keeps in a row (SQLITE_TOOBIG): the commit used to fail with an untyped error, on every retry.
    const big = entry('acme', 'big', { blob: 'x'.repeat(MAX_RECORD_BYTES + 300_000) });
    expect(await failure(append(store, [entry('acme', 'a'), big]))).toMatchObject({ code: 'ERR_TOO_LARGE', field: 'request.entries[1].eventJson' });
    expect(await store.logSize('acme')).toBe(0);
    expect(await store.getRecord('acme', 'a')).toBeUndefined();
    // The log goes on; one just under the limit is kept, and so is its signature, made after the commit.
    const near = entry('acme', 'near', { blob: 'x'.repeat(MAX_RECORD_BYTES - 1_000) });
    expect((await append(store, [entry('acme', 'a'), near])).map((o) => (o.stored ? o.record.leafIndex : -1))).toEqual([0, 1]);
    await store.putSignatures([{ tenantId: 'acme', eventId: 'near', leafIndex: 1, signature_b64url: 's'.repeat(96) }]);
    expect(await store.getRecord('acme', 'near')).toMatchObject({ leafIndex: 1, signature_b64url: 's'.repeat(96), eventJson: near.eventJson });
  }, 30_000);

  test('a close at no time is refused, naming the field; closed_until and every log stay as they were', async () => {
    const store = newStore();
    await append(store, [entry('acme', 'a')]);
    // Kept, it used to make every later append of every tenant fail (ERR_TIME_INVALID, answered as the client's 400).
    expect(await failure(store.closePeriod('not-a-time'))).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'until' });
    expect(await store.closedUntil()).toBeUndefined();
    expect(await append(store, [entry('acme', 'b')])).toMatchObject([{ stored: true, record: { leafIndex: 1 } }]);
    expect(await store.append({ tenantId: 'newcomer', entries: [entry('newcomer', 'x')], now: T1, keyId: 'k1', sha256 })).toMatchObject([{ stored: true }]);
  });

  test('a clock reading JSON cannot carry (NaN becomes null) is refused, not stamped 1970-01-01', async () => {
    const store = newStore();
    expect(await failure(append(store, [entry('acme', 'a')], Number.NaN))).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'request.now' });
    expect(await store.logSize('acme')).toBe(0);
    expect(await append(store, [entry('acme', 'a')])).toMatchObject([{ record: { statement: { received_at: new Date(T1).toISOString() } } }]);
  });

  test('a seal whose root-log tile is not the bytes of its width is refused before any of it is written', async () => {
    const store = newStore();
    await append(store, [entry('acme', 'a')]);
    const seal = await sealOf(store, new Date(T1 - 3_600_000).toISOString(), new Date(T1 + 3_600_000).toISOString());
    const bad = { ...seal, rootWrites: seal.rootWrites.map((w) => ({ ...w, bytes: w.bytes.subarray(0, 16) })) };
    expect(await failure(store.commitSeal(bad))).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'seal.rootWrites[0].bytes' });
    expect([await store.logSize(ROOT_LOG), await store.latestCheckpoint()]).toEqual([0, undefined]);
    expect(await store.commitSeal(seal)).toMatchObject({ seq: 0, tree_size: 1 });
  });
});
