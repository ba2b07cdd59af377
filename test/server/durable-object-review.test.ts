import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { durableObjectStore } from '../../src/server/index.js';
import type { LogObject, Store } from '../../src/server/index.js';
import { ROOT_LOG } from '../../src/server/types.js';
import { workerdStores } from './do-store-workerd.js';
import { entry } from './store-conformance.js';

/**
 * durableObjectStore in real workerd (as test/server/durable-object-faults.test.ts runs it): where it
 * differed from the SQLite store, method by method.
 */
const newStore = workerdStores('review');

const T1 = Date.UTC(2026, 10, 28, 1);
const append = (store: Store, ids: string[]) => store.append({ tenantId: 'acme', entries: ids.map((id) => entry('acme', id)), now: T1, keyId: 'k1', sha256 });

describe('durableObjectStore in workerd: as the SQLite store does', () => {
  test('a signature naming a record by its event id at another leaf is not kept on it', async () => {
    const store = newStore();
    await append(store, ['a', 'b']);
    // A signature made over the statement of leaf 1 must not become the receipt of the record at leaf 0.
    await store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: 1, signature_b64url: 'foreign' }]);
    expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBeNull();
    await store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' }]);
    expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBe('sig-a');
  });
});

describe('durableObjectStore: a call it refuses is a rejected promise, as every Store method answers', () => {
  test('a tenant call naming the root log rejects typed; it does not throw where it is called', async () => {
    const unreachable: LogObject = { fetch: async () => { throw new Error('no object should be asked'); } };
    const store = durableObjectStore({ root: () => unreachable, tenant: () => unreachable });
    const answers = [
      () => store.getRecord(ROOT_LOG, 'e'),
      () => store.records(ROOT_LOG, 0, 1, 1),
      () => store.sizeAt(ROOT_LOG, new Date(T1).toISOString()),
      () => store.append({ tenantId: ROOT_LOG, entries: [], now: T1, keyId: 'k1', sha256 }),
    ];
    for (const call of answers) {
      let answer: Promise<unknown> | undefined;
      expect(() => (answer = call())).not.toThrow();
      await expect(answer).rejects.toMatchObject({ code: 'ERR_LOG_OBJECT_CALL' });
    }
  });
});
