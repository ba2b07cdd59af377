/**
 * A note may be at most MAX_NOTE_LENGTH characters (signed-note: verifiers
 * SHOULD bound it; parseNote does). A checkpoint just under that bound passes
 * the witness's parse, but with the witness's cosignature lines it would be
 * over: kept and served so, it is a note that no AegisLog verifier reads (GET
 * <origin hash>/checkpoint), and that the witness itself cannot read back
 * (its kept answer to a resend, its time floor). It answers 400 instead, and
 * keeps nothing.
 */
import { beforeAll, expect, it } from 'vitest';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { MAX_NOTE_LENGTH, parseNote, signNote } from '../../src/tlog/note.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { createWitness, memoryWitnessStore } from '../../src/witness/index.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';

const NOW = 1_800_000_000;
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/length', 12)));

/** The log's checkpoint at `size`, with extension lines that bring the signed note to `length` characters, give or take 8. */
async function noteOfLength(size: number, length: number): Promise<string> {
  const base = formatCheckpoint(log.origin, size, log.root(size));
  const withLines = (chars: number) => {
    let lines = '';
    for (let left = chars; left > 1; left -= 1001) lines += `${'x'.repeat(Math.min(1000, left - 1))}\n`;
    return signNote(base + lines, log.signers);
  };
  const first = await withLines(length / 2);
  const note = await withLines(length / 2 + length - first.length);
  if (Math.abs(note.length - length) > 8) throw new Error(`made a note of ${note.length} characters for ${length}`);
  return note;
}

it('answers 400 for a checkpoint that its cosignatures would bring over MAX_NOTE_LENGTH, and keeps nothing', async () => {
  const w = await witnessKeys('witness.example/w1', { now: () => NOW, mlDsa: true });
  const store = memoryWitnessStore();
  const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store, now: () => NOW });
  const note = await noteOfLength(3, MAX_NOTE_LENGTH - 200);
  expect(() => parseNote(note)).not.toThrow();
  const result = await witness.addCheckpoint(formatAddCheckpoint(0, [], note));
  expect(result).toMatchObject({ status: 400, reason: expect.stringContaining(`${MAX_NOTE_LENGTH}`) });
  expect(await store.latest(log.origin)).toBeUndefined();
});

it('cosigns one that fits with its cosignatures, and serves a note that parses', async () => {
  const w = await witnessKeys('witness.example/w1', { now: () => NOW, mlDsa: true });
  const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store: memoryWitnessStore(), now: () => NOW });
  const note = await noteOfLength(3, MAX_NOTE_LENGTH - 4000);
  expect((await witness.addCheckpoint(formatAddCheckpoint(0, [], note))).status).toBe(200);
  const kept = (await witness.checkpoint(hexEncode(sha256(new TextEncoder().encode(log.origin)))))!;
  expect(parseNote(kept).text).toBe(parseNote(note).text);
});
