/**
 * The kept checkpoint's note is read for two things per request: the latest
 * time the witness stamped for the log (its cosignature lines) and, for a
 * checkpoint sent again, the lines to answer with; and both before signing and
 * again in the store's atomic step. With ML-DSA-44 lines a note is tens of
 * KiB: one parse serves them all. parseNote is wrapped to count its calls on
 * the kept note (the module is real; only counted).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import * as notes from '../../src/tlog/note.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { createWitness } from '../../src/witness/node.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

const parsed: string[] = [];
vi.mock('../../src/tlog/note.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/tlog/note.js')>();
  return { ...original, parseNote: (note: string) => (parsed.push(note), original.parseNote(note)) };
});

const NOW = 1_800_000_000;
const dir = tempDir('aegislog-kept-note-parse-');
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/parse', 12)));

describe('the kept checkpoint is parsed once per request', () => {
  for (const f of storeFactories(dir).filter((f) => f.name === 'memory' || f.name === 'sqlite')) {
    it(`for the next checkpoint, and for the same tree with other extension lines (${f.name})`, async () => {
      const { store } = await f.open();
      const w = await witnessKeys('witness.example/w1', { now: () => NOW, mlDsa: true });
      const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store, now: () => NOW });
      const hash = hexEncode(sha256(new TextEncoder().encode(log.origin)));
      const timesKeptParsed = async (body: string) => {
        const kept = (await witness.checkpoint(hash))!;
        parsed.length = 0;
        const result = await witness.addCheckpoint(body);
        return [result.status, parsed.filter((n) => n === kept).length];
      };
      expect((await witness.addCheckpoint(await log.body(0, 3))).status).toBe(200);
      expect(await timesKeptParsed(await log.body(3, 5))).toEqual([200, 1]);
      // Cosigned this second already, but another text: the kept lines are not its answer, and it signs afresh.
      const extended = await notes.signNote(`${formatCheckpoint(log.origin, 5, log.root(5))}ext\n`, log.signers);
      expect(await timesKeptParsed(formatAddCheckpoint(5, [], extended))).toEqual([200, 1]);
      await store.close?.();
    });
  }
});
