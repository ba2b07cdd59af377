import { describe, expect, test } from 'vitest';
import type { EvidenceBundle } from '../../src/protocol/index.js';
import { durableObjectStore, memoryStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { LogObject, Store } from '../../src/server/index.js';
import { answerLogCall, callLogObject } from '../../src/server/log-object-wire.js';
import { importPublicKey } from '../../src/verify/index.js';
import { checkBundle } from '../support/v2-check.js';
import { KEYS, event, start } from './helpers.js';
import { localStorage } from './durable-storage.js';

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

  test('an answer that is not { value } or { error: { message, code?, field? } } is a typed error naming what is wrong', async () => {
    const answering = (text: string): LogObject => ({ fetch: async () => new Response(text) });
    const cases: [string, string][] = [
      ['null', 'answer'],
      ['[1]', 'answer'],
      ['{"error":"boom"}', 'error'],
      ['{"error":{"message":5}}', 'error.message'],
      ['{"error":{"message":"m","code":7}}', 'error.code'],
      ['{"error":{"message":"m","code":"ERR_SCHEMA_INVALID","field":["x"]}}', 'error.field'],
    ];
    for (const [text, field] of cases) {
      await expect(callLogObject(answering(text), 'logSize', [])).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', field });
    }
    // The well-formed ones, as before: a value, nothing, an error with its code and field.
    expect(await callLogObject(answering('{"value":3}'), 'logSize', [])).toBe(3);
    expect(await callLogObject(answering('{}'), 'getRecord', ['x'])).toBeUndefined();
    await expect(callLogObject(answering('{"error":{"message":"m","code":"ERR_SCHEMA_INVALID","field":"f"}}'), 'x', [])).rejects.toMatchObject({ code: 'ERR_SCHEMA_INVALID', field: 'f' });
  });

  test('a call that is not [method, ...args], or whose arguments are not what the method takes, is refused typed and changes nothing', async () => {
    const root = rootLogObject(localStorage());
    const post = async (body: string) => (await (await root.fetch(new Request('https://aegislog.log-object/call', { method: 'POST', body }))).json()) as { error?: { code: string; field?: string } };
    for (const body of ['{}', '[5]', 'null']) expect((await post(body)).error).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'method' });
    const refused = (method: string, args: unknown[]) => callLogObject(root, method, args).then(() => undefined, (error: unknown) => error);
    expect(await refused('close', [1_700_000_000_000])).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'until' });
    expect(await refused('register', [''])).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'tenantId' });
    expect(await refused('putWitnessSize', ['w', '9'])).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'size' });
    expect(await refused('acquireSealLease', ['p', null, 60_000])).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'now' });
    expect(await refused('readTiles', [[{ level: 0, index: 0, width: 0 }]])).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'tiles[0].width' });
    expect([await callLogObject(root, 'closedUntil', []), await callLogObject(root, 'witnessSizes', []), await callLogObject(root, 'tenantHeads', [])]).toEqual([undefined, {}, []]);
    const tenant = tenantLogObject(localStorage(), () => root);
    const entry = { event: { tenant_id: 'beta', event_id: 'e', trace_id: 'e' }, eventJson: '{}', digest_b64url: 'd' };
    expect(await callLogObject(tenant, 'append', [{ tenantId: 'acme', entries: [entry], now: 1, keyId: 'k' }]).catch((e: unknown) => e)).toMatchObject({
      code: 'ERR_LOG_OBJECT_CALL',
      field: 'request.entries[0].event.tenant_id',
    });
    expect(await callLogObject(tenant, 'append', [null]).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_LOG_OBJECT_CALL', field: 'request' });
    expect(await callLogObject(tenant, 'logSize', [])).toBe(0);
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
