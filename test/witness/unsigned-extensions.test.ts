/**
 * A log that signs its checkpoints with ML-DSA-44 (tlog-checkpoint: logs SHOULD)
 * signs subtree/v1, which covers the origin, size and root but not the
 * extension lines (tlog-cosignature). So anybody can take one of its public old
 * checkpoints, add any extension lines, and it still verifies: kept as sent,
 * each variant was new evidence, up to the body limit each, a thousand per
 * kind. What the log did not sign is no evidence of what it did: the witness
 * keeps such a refusal without the lines no verified signature covers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { parseNote, signNote } from '../../src/tlog/note.js';
import { parsePolicy } from '../../src/tlog/policy.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { cosigner, generateNoteSigningKey, type KeyedNoteSigner } from '../../src/verify/note-signers.js';
import { verifyNote } from '../../src/verify/notes.js';
import { createWitness } from '../../src/witness/node.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

const NOW = 1_800_000_000;
const dir = tempDir('aegislog-unsigned-extensions-');
const origin = 'log.example/pq';
let tree: TestLog;
let pq: KeyedNoteSigner;
beforeAll(async () => {
  tree = await testLog(origin, 12); // its leaves and roots; the checkpoints below are signed by pq alone
  pq = await cosigner(await generateNoteSigningKey(origin, NoteKeyType.MlDsa44), { now: () => NOW });
});

const checkpoint = (size: number, extensions = '') => signNote(`${formatCheckpoint(origin, size, tree.root(size))}${extensions}`, [pq]);

describe('refusals of a checkpoint signed with ML-DSA-44 alone', () => {
  for (const f of storeFactories(dir)) {
    it(`keep the log's checkpoint without the extension lines nobody signed, once per tree (${f.name})`, async () => {
      const { store } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: [pq.vkey], store, now: () => NOW });
      expect((await witness.addCheckpoint(formatAddCheckpoint(0, [], await checkpoint(10)))).status).toBe(200);
      // The log's old checkpoint, replayed with lines of anybody's choosing: it verifies each time.
      const old = await checkpoint(4);
      const padded = (i: number) => `${old.slice(0, old.indexOf('\n\n') + 1)}${`junk ${i} ${'x'.repeat(20_000)}\n`}${old.slice(old.indexOf('\n\n') + 1)}`;
      for (let i = 0; i < 5; i++) expect((await witness.addCheckpoint(formatAddCheckpoint(10, [], padded(i)))).status).toBe(400);
      const kept = await store.refusals(origin);
      expect(kept.map((r) => [r.kind, r.status, r.request])).toEqual([['smaller-tree', 400, formatAddCheckpoint(10, [], old)]]);
      // Still evidence: the log's signature verifies on what is kept.
      const note = kept[0]!.request.slice(kept[0]!.request.indexOf('\n\n') + 2);
      const v = await verifyNote(note, parsePolicy(`log ${pq.vkey}\nquorum none\n`));
      expect([v.logSignature.status, v.checkpoint?.size]).toEqual(['passed', 4]);
      await store.close?.();
    });
  }

  it('keep extension lines that a verified signature covers (Ed25519 and ECDSA sign the whole text)', async () => {
    const { store } = await storeFactories(dir)[0]!.open();
    const log = await testLog('log.example/ext', 12);
    const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: [...log.vkeys, pq.vkey], store, now: () => NOW });
    expect((await witness.addCheckpoint(await log.body(0, 10))).status).toBe(200);
    const old = await signNote(`${formatCheckpoint(log.origin, 4, log.root(4))}signed ext\n`, log.signers);
    expect((await witness.addCheckpoint(formatAddCheckpoint(10, [], old))).status).toBe(400);
    const kept = await store.refusals(log.origin);
    expect(kept.map((r) => r.request)).toEqual([formatAddCheckpoint(10, [], old)]);
    expect(parseNote(old).text).toContain('signed ext\n');
  });
});
