// verifyNote with a plain trust object ({ logs, witnesses?, quorum? }) is the caller's configuration: what is
// wrong in it throws AegisLogError naming the entry (as a key listed twice does), never a raw TypeError.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { signNote } from '../../src/tlog/note.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { cosigner, ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { verifyNote } from '../../src/verify/notes.js';

describe('verifyNote with a plain trust object holding what is not a key', () => {
  let log: string;
  let witness: string;
  let note: string;
  beforeAll(async () => {
    const logKey = await generateNoteSigningKey('input.example/log');
    const w = await generateNoteSigningKey('w.input.example', NoteKeyType.CosignatureV1);
    log = logKey.vkey;
    witness = (await cosigner(w)).vkey;
    note = await signNote(formatCheckpoint('input.example/log', 3, new Uint8Array(32).fill(3)), [await ed25519NoteSigner(logKey)]);
  });

  for (const [what, entry] of [['undefined', undefined], ['null', null], ['a number', 42], ['an empty object', {}], ['an object without a key', { text: 'x', type: 1 }]] as const) {
    it(`refuses ${what} among the logs with ERR_CONFIG naming it`, async () => {
      await expect(verifyNote(note, { logs: [log, entry as never] })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'logs[1]' });
    });
    it(`refuses ${what} among the witnesses with ERR_CONFIG naming it`, async () => {
      await expect(verifyNote(note, { logs: [log], witnesses: [witness, entry as never] })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'witnesses[1]' });
    });
  }

  it('refuses witnesses that are not an array with ERR_CONFIG', async () => {
    await expect(verifyNote(note, { logs: [log], witnesses: witness as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'witnesses' });
  });

  it('still verifies the note under the same keys given well', async () => {
    expect((await verifyNote(note, { logs: [log], witnesses: [witness], quorum: 'none' })).valid).toBe(true);
  });
});
