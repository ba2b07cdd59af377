/**
 * Requests as large as the Worker example lets through (128 KiB bodies, filled with extension lines, which the
 * cosignature signs, and with 63 proof lines): every store cosigns them, and keeps a refusal of one with the
 * request and the cosigned note beside it. Durable Object storage takes 128 KiB a value (V8's serialization,
 * in which a note, holding "—", takes two bytes a character); the fake here checks that bound, which local
 * workerd does not (test/edge/witness-worker-example.test.ts runs the same requests through real storage).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatAddCheckpoint, MAX_PROOF_LINES } from '../../src/tlog/witness-protocol.js';
import { createWitness, witnessHandler } from '../../src/witness/node.js';
import { nearLimitBody, testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

/** The Worker example's cap on a request body (examples/witness-worker/worker.ts). */
const MAX_BODY = 128 * 1024;

let log: TestLog;
beforeAll(async () => {
  log = await testLog('log.example/near-limit', 40);
});
const dir = tempDir('aegislog-witness-near-limit-');
const factories = storeFactories(dir);

const nearLimit = (old: number, proof: Uint8Array[], size: number, root?: Uint8Array) => nearLimitBody(log, MAX_BODY, old, proof, size, root);
const junkProof = () => Array.from({ length: MAX_PROOF_LINES }, (_, i) => new Uint8Array(32).fill(i));

for (const f of factories) {
  describe(`${f.name} witness store, near-limit requests`, () => {
    it('keeps the refusal of a near-limit smaller tree (409 with the cosigned size), request and all', async () => {
      const { store, path } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys('witness.example/w1', { mlDsa: true })).cosigners, logs: log.vkeys, store });
      expect((await witness.addCheckpoint(await log.body(0, 20))).status).toBe(200);
      const replay = await nearLimit(5, junkProof(), 10);
      // Over HTTP, as the Worker example serves it: tlog-witness's 409, the cosigned size as text/x.tlog.size.
      const res = await witnessHandler(witness, { maxBodyBytes: MAX_BODY })(new Request('http://witness.test/add-checkpoint', { method: 'POST', body: replay }));
      expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([409, 'text/x.tlog.size', '20\n']);
      const kept = await store.refusals(log.origin);
      expect(kept.map((r) => [r.kind, r.status, r.request])).toEqual([['smaller-tree', 409, replay]]);
      expect(kept[0]!.cosigned.note).toBe((await store.latest(log.origin))!.note);
      await store.close?.();
      if (f.durable) {
        const again = (await f.open(path)).store;
        expect(await again.refusals(log.origin)).toEqual(kept);
        await again.close?.();
      }
    });

    it('cosigns a near-limit checkpoint, and keeps a near-limit fork of it (422) beside that note', async () => {
      const { store, path } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys('witness.example/w1', { mlDsa: true })).cosigners, logs: log.vkeys, store });
      const big = await nearLimit(0, [], 20);
      expect((await witness.addCheckpoint(big)).status).toBe(200);
      const cosigned = (await store.latest(log.origin))!;
      expect(cosigned.size).toBe(20);
      expect(new TextEncoder().encode(cosigned.note).length).toBeGreaterThan(MAX_BODY); // with the ML-DSA-44 cosignature
      const fork = await nearLimit(20, [], 20, new Uint8Array(32).fill(7));
      expect((await witness.addCheckpoint(fork)).status).toBe(422);
      const kept = await store.refusals(log.origin);
      expect(kept.map((r) => [r.kind, r.status, r.request, r.cosigned.note])).toEqual([['same-size-other-root', 422, fork, cosigned.note]]);
      // The cosigned checkpoint sent again from its size gets the cosignatures kept, or new ones: 200 either way.
      expect((await witness.addCheckpoint(formatAddCheckpoint(20, [], big.slice(big.indexOf('\n\n') + 2)))).status).toBe(200);
      await store.close?.();
      if (f.durable) {
        const again = (await f.open(path)).store;
        expect([(await again.latest(log.origin))!.size, await again.refusals(log.origin)]).toEqual([20, kept]);
        await again.close?.();
      }
    });
  });
}
