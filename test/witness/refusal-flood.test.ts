/**
 * `inconsistent` refusals: anybody can send a log's current checkpoint with a
 * junk consistency proof, a new proof each time. Kept per request, such a
 * flood filled the kind's MAX_REFUSALS_PER_ORIGIN slots and a later fork found
 * no room. Kept per checkpoint pair (the cosigned size, the checkpoint
 * refused), the first request of each, the flood takes one slot.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { MAX_REFUSALS_PER_ORIGIN, createWitness, witnessSqliteStore } from '../../src/witness/node.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

const dir = tempDir('aegislog-flood-');
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/flood', 60)));

for (const f of storeFactories(dir)) {
  describe(`${f.name} witness store`, () => {
    it('keeps one inconsistent refusal per checkpoint pair, the first, so a junk-proof flood leaves room for a fork', async () => {
      const { store } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store });
      expect((await witness.addCheckpoint(await log.body(0, 20))).status).toBe(200);
      const current = await log.checkpoint(30);
      const junk = (i: number) => log.proof(20, 30).map((h, j) => (j === 0 ? Uint8Array.from(h, (b, k) => (k < 4 ? (i >> (8 * k)) & 0xff : b) ^ 1) : h));
      const first = formatAddCheckpoint(20, junk(0), current);
      for (let i = 0; i < MAX_REFUSALS_PER_ORIGIN + 5; i++) {
        expect((await witness.addCheckpoint(formatAddCheckpoint(20, junk(i), current))).status).toBe(422);
      }
      const fork = formatAddCheckpoint(20, log.proof(20, 40), await log.checkpoint(40, new Uint8Array(32).fill(9)));
      expect((await witness.addCheckpoint(fork)).status).toBe(422);
      const kept = (await store.refusals(log.origin)).filter((r) => r.kind === 'inconsistent');
      expect(kept.map((r) => r.request)).toEqual([first, fork]);
      await store.close?.();
    }, 120_000);
  });
}

describe('sqlite database of an older version', () => {
  it('gets the identity of the refusals it kept, so a new junk proof of a kept pair is not kept again', async () => {
    const path = join(dir(), 'old-identity.sqlite');
    const note = await log.checkpoint(30);
    const first = formatAddCheckpoint(20, [new Uint8Array(32)], note);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.exec(`CREATE TABLE witness_refusals (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, kind TEXT NOT NULL, status INTEGER NOT NULL,
      reason TEXT NOT NULL, request TEXT NOT NULL, cosigned_size INTEGER NOT NULL, cosigned_root BLOB NOT NULL, cosigned_note TEXT NOT NULL, time INTEGER NOT NULL)`);
    db.prepare("INSERT INTO witness_refusals VALUES (1, 'o', 'inconsistent', 422, 'r', ?, 20, zeroblob(32), 'n\n', 1)").run(first);
    db.close();
    const store = await witnessSqliteStore(path);
    const again = { origin: 'o', kind: 'inconsistent', status: 422, reason: 'r', time: 2, cosigned: { size: 20, root: new Uint8Array(32), note: 'n\n' } } as const;
    await store.update('o', () => ({ refusal: { ...again, request: formatAddCheckpoint(20, [new Uint8Array(32).fill(1)], note) }, result: null }));
    expect((await store.refusals('o')).map((r) => r.request)).toEqual([first]);
    await store.close?.();
  });
});
