// A checkpoint of size 0 must carry the empty tree's root (SHA-256 of nothing): size 0 is a prefix of every tree, with
// no proof, so any other root claims a tree that cannot be. The history checked that rule only between consecutive
// entries: a history of one size-0 checkpoint with another root passed.
import { beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_TREE_ROOT, formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { signNote } from '../../src/tlog/note.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { verifyHistory } from '../../src/verify/index.js';

const origin = 'empty-root.aegislog.test/log';
const now = new Date('2026-10-31T00:00:00.000Z');
let policy: string;
let sign: (size: number, root: Uint8Array) => Promise<string>;

beforeAll(async () => {
  const key = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
  const signer = await ed25519NoteSigner(key);
  policy = `log ${key.vkey}\nquorum none\n`;
  sign = (size, root) => signNote(formatCheckpoint(origin, size, root), [signer]);
});

describe('a history of one checkpoint of size 0', () => {
  it('fails when its root is not the empty tree root', async () => {
    const note = await sign(0, new Uint8Array(32).fill(7));
    const report = await verifyHistory({ v: 2, origin, checkpoints: [{ note, tree_size: 0 }] }, { policy, now });
    expect(report.ok).toBe(false);
    expect(report.checks.sizes).toMatchObject({ status: 'failed', reason: expect.stringContaining('empty tree root') });
  });

  it('passes with the empty tree root', async () => {
    const note = await sign(0, EMPTY_TREE_ROOT);
    const report = await verifyHistory({ v: 2, origin, checkpoints: [{ note, tree_size: 0 }] }, { policy, now });
    expect(report.ok).toBe(true);
  });
});
