// RFC 9162 defines no consistency proof from a size to itself or from the empty tree: such a proof is
// empty, and tlog-witness (422) and transparency-dev's verifier refuse a non-empty one, as tlog/merkle.ts
// does. A history entry or a bundle's carried proof with hashes there once passed unread.
import { beforeAll, describe, expect, it } from 'vitest';
import bundleJson from '../vectors/aegislog-v2-own/bundles/alpha-leaf255.json';
import historyJson from '../vectors/aegislog-v2-own/histories/history.json';
import policy2of3 from '../vectors/aegislog-v2-own/policy-2of3.txt?raw';
import { b64uEncode } from '../../src/protocol/index.js';
import { EMPTY_TREE_ROOT, formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { merkleRoot } from '../../src/tlog/merkle.js';
import { signNote } from '../../src/tlog/note.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { verifyEvidence, verifyHistory } from '../../src/verify/index.js';

const now = new Date('2026-10-31T00:00:00.000Z');
const junk = b64uEncode(new Uint8Array(32).fill(9));
type Entry = Record<string, unknown>;

describe('a history entry of the same size as the one before', () => {
  const h = historyJson as unknown as { checkpoints: Entry[] } & Entry;
  const [first, second] = h.checkpoints as [Entry, Entry];
  const verify = (again: Entry) => verifyHistory({ ...h, checkpoints: [first, second, again] }, { policy: policy2of3, now });

  it('passes with an empty proof (as the server writes it) or none', async () => {
    expect((await verify({ ...second, consistency_b64url: [] })).ok).toBe(true);
    const { consistency_b64url: _, ...without } = second;
    expect((await verify(without)).ok).toBe(true);
  });

  it('fails the consistency check with a proof that has hashes', async () => {
    const report = await verify({ ...second, consistency_b64url: [junk] });
    expect(report.ok).toBe(false);
    expect(report.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('must be empty') });
    expect(report.entries[2]!.consistency.status).toBe('failed');
  });
});

describe('a history that starts at the empty tree', () => {
  const origin = 'empty-start.aegislog.test/log';
  let policy: string;
  let entries: Entry[];

  beforeAll(async () => {
    const key = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
    const signer = await ed25519NoteSigner(key);
    policy = `log ${key.vkey}\nquorum none\n`;
    const root2 = merkleRoot([new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]);
    entries = [
      { note: await signNote(formatCheckpoint(origin, 0, EMPTY_TREE_ROOT), [signer]), tree_size: 0 },
      { note: await signNote(formatCheckpoint(origin, 2, root2), [signer]), tree_size: 2 },
    ];
  });

  const verify = (proof: unknown) => verifyHistory({ v: 2, origin, checkpoints: [entries[0], { ...entries[1], consistency_b64url: proof }] }, { policy, now });

  it('passes with an empty proof from size 0', async () => {
    expect((await verify([])).ok).toBe(true);
  });

  it('fails the consistency check with hashes in a proof from size 0', async () => {
    const report = await verify([junk]);
    expect(report.ok).toBe(false);
    expect(report.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('the previous checkpoint is the empty tree: the consistency proof must be empty') });
  });
});

describe("a bundle's carried consistency proof from a trusted checkpoint of the same size", () => {
  const bundle = bundleJson as unknown as Entry & { checkpoint: string };
  const verify = (path: string[]) =>
    verifyEvidence({ ...bundle, consistency: { from_size: 6, path_b64url: path } }, { policy: policy2of3, now, trusted: bundle.checkpoint });

  it('passes when empty', async () => {
    const report = await verifyEvidence(bundle, { policy: policy2of3, now, trusted: bundle.checkpoint });
    expect(report.ok).toBe(true);
    expect((await verify([])).ok).toBe(true);
  });

  it('fails the consistency check when it has hashes', async () => {
    const report = await verify([junk]);
    expect(report.ok).toBe(false);
    expect(report.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('must be empty') });
  });
});
