/**
 * A witness's cosignature timestamps for a log never go back, even when the
 * clock does. tlog-cosignature: a cosignature says that "as of the specified
 * time" the checkpoint is the largest consistent tree the cosigner observed; a
 * later, larger tree stamped with an earlier time would contradict what the
 * witness already signed. The floor is the latest time it issued for the log,
 * read from the stored checkpoint (its cosignature lines), so it survives a
 * restart on every durable store.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { parseNote, parseSignatureLines, signNote, type NoteSignature } from '../../src/tlog/note.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { cosigner } from '../../src/verify/note-signers.js';
import { createWitness, memoryWitnessStore, type KeyedNoteSigner, type WitnessStore } from '../../src/witness/node.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

const NOW = 1_800_000_000;
const dir = tempDir('aegislog-cosignature-time-');
const factories = storeFactories(dir);
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/time', 12)));

/** The timestamps of a 200's cosignature lines (u64 big-endian before each signature). */
const stamps = (body: string) => stampsOf(parseSignatureLines(body));
const stampsOf = (lines: NoteSignature[]) => lines.map((s) => Number(new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0)));

/** A witness of `log` with an Ed25519 and an ML-DSA-44 cosigner, on `store`, whose clock (the witness's and its cosigners') is `clock.now`. */
async function witnessOn(store: WitnessStore, clock: { now: number }, wrap = (c: KeyedNoteSigner) => c) {
  const w = await witnessKeys('witness.example/w1', { now: () => clock.now, mlDsa: true });
  return { w, witness: createWitness({ cosigners: w.cosigners.map(wrap), logs: log.vkeys, store, now: () => clock.now }) };
}

describe('cosignature timestamps when the clock steps back', () => {
  for (const f of factories) {
    it(`never stamps a later checkpoint earlier than one already cosigned for the log, across a restart (${f.name})`, async () => {
      const clock = { now: NOW };
      const { store, path } = await f.open();
      const { witness } = await witnessOn(store, clock);
      const first = await witness.addCheckpoint(await log.body(0, 3));
      expect(first.status === 200 && stamps(first.body)).toEqual([NOW, NOW]);
      clock.now = NOW - 3600; // an NTP step back, a VM restored from a snapshot
      const second = await witness.addCheckpoint(await log.body(3, 5));
      expect(second.status === 200 && stamps(second.body)).toEqual([NOW, NOW]);
      if (!f.durable) return;
      await store.close?.();
      // Restarted with the clock still behind: the floor is what the store kept.
      const reopened = (await f.open(path)).store;
      const again = (await witnessOn(reopened, clock)).witness;
      const third = await again.addCheckpoint(await log.body(5, 8));
      expect(third.status === 200 && stamps(third.body)).toEqual([NOW, NOW]);
      clock.now = NOW + 10; // the clock caught up: its own time again
      const fourth = await again.addCheckpoint(await log.body(8, 9));
      expect(fourth.status === 200 && stamps(fourth.body)).toEqual([NOW + 10, NOW + 10]);
      await reopened.close?.();
    });
  }

  it('answers the checkpoint it cosigned last with the cosignatures it keeps, while the clock is behind them (no new signature)', async () => {
    const clock = { now: NOW };
    let signs = 0;
    const { store } = await factories[0]!.open();
    const { witness } = await witnessOn(store, clock, (c) => ({ ...c, sign: (text, options) => (signs++, c.sign(text, options)) }));
    const first = await witness.addCheckpoint(await log.body(0, 4));
    expect([first.status, signs]).toEqual([200, 2]);
    clock.now = NOW - 60;
    expect(await witness.addCheckpoint(formatAddCheckpoint(4, [], await log.checkpoint(4)))).toEqual(first);
    expect(signs).toBe(2);
  });

  it('a cosigning of the same tree written meanwhile, stamped later (another process, its clock ahead): its cosignatures, none earlier', async () => {
    const w = await witnessKeys('witness.example/w1', { mlDsa: true });
    const [a, b] = [{ now: NOW }, { now: NOW + 1 }];
    const shared = memoryWitnessStore();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // B's update waits until A has written: B read the state and signed, then lost the race to A.
    const late: WitnessStore = { ...shared, update: async (origin, decide) => (await gate, shared.update(origin, decide)) };
    const witnessWith = async (clock: { now: number }, store: WitnessStore) =>
      createWitness({ cosigners: await Promise.all(w.keys.map((k) => cosigner(k, { now: () => clock.now }))), logs: log.vkeys, store, now: () => clock.now });
    const [wa, wb] = [await witnessWith(a, shared), await witnessWith(b, late)];
    expect((await wa.addCheckpoint(await log.body(0, 5))).status).toBe(200);
    const resend = formatAddCheckpoint(5, [], await log.checkpoint(5));
    const fromB = wb.addCheckpoint(resend); // signs at NOW + 1, then waits
    a.now = NOW + 100;
    const fromA = await wa.addCheckpoint(resend);
    expect(fromA.status === 200 && stamps(fromA.body)).toEqual([NOW + 100, NOW + 100]);
    open();
    expect(await fromB).toEqual(fromA);
    expect((await shared.latest(log.origin))!.time).toBe(NOW + 100);
  });

  it('the same tree written meanwhile with other extension lines, stamped later: signs again, above that time', async () => {
    const w = await witnessKeys('witness.example/w1', { mlDsa: true });
    const [a, b] = [{ now: NOW }, { now: NOW + 1 }];
    const shared = memoryWitnessStore();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waits = 1; // only B's first update waits for A
    const late: WitnessStore = { ...shared, update: async (origin, decide) => (waits-- > 0 && (await gate), shared.update(origin, decide)) };
    const witnessWith = async (clock: { now: number }, store: WitnessStore) =>
      createWitness({ cosigners: await Promise.all(w.keys.map((k) => cosigner(k, { now: () => clock.now }))), logs: log.vkeys, store, now: () => clock.now });
    const [wa, wb] = [await witnessWith(a, shared), await witnessWith(b, late)];
    expect((await wa.addCheckpoint(await log.body(0, 5))).status).toBe(200);
    // Size 5 again, with an extension line (tlog-checkpoint): the same tree, another text.
    const extended = await signNote(`${formatCheckpoint(log.origin, 5, log.root(5))}ext\n`, log.signers);
    const fromB = wb.addCheckpoint(formatAddCheckpoint(5, [], extended));
    a.now = NOW + 100;
    expect((await wa.addCheckpoint(formatAddCheckpoint(5, [], await log.checkpoint(5)))).status).toBe(200);
    open();
    const result = await fromB;
    expect(result.status === 200 && stamps(result.body)).toEqual([NOW + 100, NOW + 100]);
    expect(parseNote((await shared.latest(log.origin))!.note).text).toBe(parseNote(extended).text);
  });

  it('issues nothing from a cosigner built by hand that stamps below the floor: it throws, and the state stays', async () => {
    const clock = { now: NOW };
    const { store } = await factories[0]!.open();
    // It ignores the floor it is given, and stamps its clock's time.
    const { witness } = await witnessOn(store, clock, (c) => ({ ...c, sign: (text) => c.sign(text) }));
    const first = await witness.addCheckpoint(await log.body(0, 3));
    expect(first.status).toBe(200);
    clock.now = NOW - 3600;
    await expect(witness.addCheckpoint(await log.body(3, 5))).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'cosigners' });
    const kept = (await store.latest(log.origin))!;
    expect([kept.size, stampsOf(parseNote(kept.note).signatures.filter((s) => s.name === 'witness.example/w1'))]).toEqual([3, [NOW, NOW]]);
  });
});
