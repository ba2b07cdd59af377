import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { EvidenceBundle } from '../../src/protocol/index.js';
import { durableObjectStore, memoryStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { DurableStorageLike, LogObject, Store } from '../../src/server/index.js';
import { answerLogCall, callLogObject } from '../../src/server/log-object-wire.js';
import { importPublicKey } from '../../src/verify/index.js';
import { checkBundle } from '../support/v2-check.js';
import { KEYS, event, start } from './helpers.js';

/** A Durable Object's `ctx.storage` on an in-memory SQLite: BLOBs come back as ArrayBuffers, as workerd gives them. */
function localStorage(): DurableStorageLike {
  const db = new Database(':memory:');
  return {
    sql: {
      exec(query: string, ...bindings: unknown[]) {
        if (bindings.length === 0 && query.split(';').filter((s) => s.trim()).length > 1) {
          db.exec(query);
          return { toArray: () => [] };
        }
        const statement = db.prepare(query);
        const args = bindings.map((b) => (b instanceof Uint8Array ? Buffer.from(b) : b));
        const rows = statement.reader ? (statement.all(...args) as Record<string, unknown>[]) : (statement.run(...args), []);
        const blob = (v: unknown) => (Buffer.isBuffer(v) ? new Uint8Array(v).buffer : v);
        return { toArray: () => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, blob(v)]))) };
      },
    },
    transactionSync: <T>(body: () => T): T => db.transaction(body)(),
  };
}

/** durableObjectStore over local log objects: every call crosses the wire as it does to a Durable Object. */
function localDurableStore(): Store {
  const root = rootLogObject(localStorage());
  const tenants = new Map<string, LogObject>();
  const tenant = (id: string) => tenants.get(id) ?? tenants.set(id, tenantLogObject(localStorage(), () => root)).get(id)!;
  return durableObjectStore({ root: () => root, tenant });
}

describe('log-object wire', () => {
  test('bytes and user objects that look like them both cross unchanged', async () => {
    const values = [new Uint8Array([0, 1, 2]), { $bytes: 'AAEC' }, { $bytes: '!!' }, { $$bytes: 'x', $: [{ $bytes: 1 }] }, { a: { $bytes: new Uint8Array([9]) } }];
    const echo: LogObject = { fetch: (request) => answerLogCall({ echo: (...args: unknown[]) => args }, request) };
    expect(await callLogObject(echo, 'echo', values)).toEqual(values);
  });

  for (const [name, open] of [['memoryStore', memoryStore], ['durableObjectStore (local log objects)', localDurableStore]] as const) {
    test(`${name}: an event whose payload holds {"$bytes": …} is logged, and its evidence verifies`, async () => {
      const s = await start({ store: open() });
      try {
        const trust = { receiptKeys: await importPublicKey(await s.signer.publicJwk()), vkeys: [] };
        for (const blob of [{ $bytes: 'AAEC' }, { $bytes: '!!' }]) {
          const e = event({ blob });
          expect((await s.call('/ingest', { key: KEYS.ingest, json: e })).status).toBe(200);
          const bundle = (await (await s.call(`/evidence/${e.event_id}`)).json()) as EvidenceBundle;
          expect(bundle.event).toEqual(e);
          expect(await checkBundle(bundle, trust)).toEqual({ digest: true, receipt_signature: true });
          const verified = (await (await s.call(`/verify/${e.event_id}`)).json()) as { checks: Record<string, { status: string }> };
          expect(verified.checks.digest).toEqual({ status: 'passed' });
        }
      } finally {
        await s.stop();
      }
    });
  }

  test('a seal lease granted before the root object restarted is void; one granted since holds', async () => {
    const storage = localStorage();
    const lease = (root: LogObject, holder: string) => callLogObject<boolean>(root, 'acquireSealLease', [holder, 1_000, 60_000]);
    const before = rootLogObject(storage);
    expect(await lease(before, 'alarm-sealer')).toBe(true);
    expect(await lease(before, 'front-worker')).toBe(false);
    // The same storage, a new object (a deploy, a crash): the sealer that held the lease ran in the old one.
    const after = rootLogObject(storage);
    expect(await lease(after, 'front-worker')).toBe(true);
    expect(await lease(after, 'alarm-sealer')).toBe(false);
    expect(await callLogObject<boolean>(after, 'acquireSealLease', ['alarm-sealer', 61_001, 60_000])).toBe(true);
  });
});
