// A non-empty consistency proof from the empty tree is refused by a history (between two entries) and by a
// bundle (against a trusted checkpoint): one refusal, worded alike, as the equal-size one already is
// ("…: the consistency proof must be empty, it has N hashes"), so that a tool or a reader matching one matches both.
import { beforeAll, describe, expect, it } from 'vitest';
import bundleJson from '../vectors/aegislog-v2-own/bundles/alpha-leaf255.json';
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
const SUFFIX = ': the consistency proof must be empty, it has 1 hashes';

describe('a non-empty consistency proof from the empty tree', () => {
  const origin = 'twin.aegislog.test/log';
  let history: unknown;
  let policy: string;
  beforeAll(async () => {
    const key = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
    const signer = await ed25519NoteSigner(key);
    policy = `log ${key.vkey}\nquorum none\n`;
    const root2 = merkleRoot([new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]);
    history = {
      v: 2,
      origin,
      checkpoints: [
        { note: await signNote(formatCheckpoint(origin, 0, EMPTY_TREE_ROOT), [signer]), tree_size: 0 },
        { note: await signNote(formatCheckpoint(origin, 2, root2), [signer]), tree_size: 2, consistency_b64url: [junk] },
      ],
    };
  });

  it('is refused in a history and in a bundle with the same words', async () => {
    const h = await verifyHistory(history, { policy, now });
    const b = await verifyEvidence({ ...bundleJson, consistency: { from_size: 0, path_b64url: [junk] } }, { policy: policy2of3, now, trusted: { size: 0, root: EMPTY_TREE_ROOT } });
    expect(b.checks.consistency).toMatchObject({ status: 'failed', reason: `the trusted checkpoint is the empty tree${SUFFIX}` });
    expect(h.entries[1]!.consistency).toMatchObject({ status: 'failed', reason: `the previous checkpoint is the empty tree${SUFFIX}` });
  });
});
