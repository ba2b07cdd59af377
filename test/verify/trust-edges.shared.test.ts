// Edges of the verifier's trust found in review (2026-12-03): what the evidence carries never makes
// it throw, no tile is read for a checkpoint whose signature failed, a size-0 checkpoint must carry
// the empty tree's root, and a plain trust object refuses what a tlog-policy refuses.
import { describe, expect, it } from 'vitest';
import receiptPem from '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem?raw';
import history from '../vectors/aegislog-v2/histories/history-range.json';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import bundle from '../vectors/aegislog-v2/bundles/note-both-w1-w2.json';
import policy2of2 from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import { b64Encode } from '../../src/protocol/index.js';
import { EMPTY_TREE_ROOT, formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { signNote } from '../../src/tlog/note.js';
import { NoteKeyType, formatVkey, noteKeyId, parseVkey } from '../../src/tlog/vkey.js';
import { auditExport, importPublicKey, tilePath, verifyEvidence, verifyHistory, verifyNote, type TileRef } from '../../src/verify/index.js';
import { cosigner, ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';

const now = new Date('2026-12-31T00:00:00Z');

describe('an origin that cannot name a key, with only a key pinned', () => {
  for (const origin of ['evil origin', 'evil+origin']) {
    it(`${JSON.stringify(origin)}: verifyHistory and auditExport fail the signature check, and do not throw`, async () => {
      const keys = await importPublicKey(receiptPem);
      expect((await verifyHistory(history, { keys, now })).ok).toBe(true);
      const h = await verifyHistory({ ...history, origin }, { keys, now });
      expect(h.ok).toBe(false);
      expect(h.checks.signatures).toMatchObject({ status: 'failed', reason: expect.stringContaining('cannot name the pinned key') });

      expect((await auditExport(exportText, { keys, now })).ok).toBe(true);
      const [header, ...rest] = exportText.split('\n');
      const e = await auditExport([JSON.stringify({ ...JSON.parse(header!), origin }), ...rest].join('\n'), { keys, now });
      expect(e.ok).toBe(false);
      expect(e.checks.checkpoint_signature).toMatchObject({ status: 'failed', reason: expect.stringContaining('cannot name the pinned key') });

      const b = await verifyEvidence({ ...bundle, origin }, { keys, now });
      expect(b.checks.checkpoint_signature).toMatchObject({ status: 'failed' });
    });
  }
});

describe('consistency of a checkpoint whose signature failed', () => {
  it('is skipped, and no tile is read for its size (tlog-tiles: no partial tile without a verified checkpoint)', async () => {
    const [origin, , root, ...rest] = bundle.checkpoint.split('\n');
    const forged = { ...bundle, checkpoint: [origin, '1000000000', root, ...rest].join('\n') };
    const reads: string[] = [];
    const rootTiles = { read: async (refs: TileRef[]) => refs.map((ref) => (reads.push(tilePath(ref)), new Uint8Array(32 * ref.width))) };
    const report = await verifyEvidence(forged, { policy: policy2of2, now, trusted: { size: 5, root: new Uint8Array(32) }, rootTiles });
    expect(report.checks.checkpoint_signature).toMatchObject({ status: 'failed' });
    expect(report.checks.consistency).toMatchObject({ status: 'skipped', reason: expect.stringContaining('signature did not verify') });
    expect(reads).toEqual([]);
    // The same bundle, unchanged, still reads its proof from the tiles (and fails it: they are zeros).
    await verifyEvidence(bundle, { policy: policy2of2, now, trusted: { size: 5, root: new Uint8Array(32) }, rootTiles });
    expect(reads.length).toBeGreaterThan(0);
  });
});

describe('a checkpoint of size 0', () => {
  it('stands for the empty tree only with the empty tree root, in a history and against a trusted checkpoint', async () => {
    const key = await generateNoteSigningKey('zero.example/log');
    const signer = await ed25519NoteSigner(key);
    const origin = 'zero.example/log';
    const note = (size: number, root: Uint8Array) => signNote(formatCheckpoint(origin, size, root), [signer]);
    const other = new Uint8Array(32).fill(0xab);
    const entries = async (zeroRoot: Uint8Array) => ({
      v: 2,
      origin,
      checkpoints: [{ note: await note(0, zeroRoot), tree_size: 0 }, { note: await note(3, other), tree_size: 3, consistency_b64url: [] }],
    });
    const trust = { policy: `log ${key.vkey}\nquorum none\n`, now };
    const good = await verifyHistory(await entries(EMPTY_TREE_ROOT), trust);
    expect(good.ok, JSON.stringify(good.checks)).toBe(true);
    const bad = await verifyHistory(await entries(other), trust);
    expect(bad.ok).toBe(false);
    expect(bad.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('empty tree root') });

    const fromZero = await verifyEvidence(bundle, { policy: policy2of2, now: new Date('2026-12-31T00:00:00Z'), trusted: { size: 0, root: other } });
    expect(fromZero.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('empty tree root') });
    const fromEmpty = await verifyEvidence(bundle, { policy: policy2of2, now: new Date('2026-12-31T00:00:00Z'), trusted: { size: 0, root: EMPTY_TREE_ROOT } });
    expect(fromEmpty.checks.consistency).toEqual({ status: 'passed', ok: true });
  });
});

describe('verifyNote with a plain trust object', () => {
  it('refuses one witness key under two names (its one cosignature would count twice) and a witness key that cannot cosign', async () => {
    const log = await generateNoteSigningKey('dup.example/log');
    const w = await generateNoteSigningKey('w1.example', NoteKeyType.CosignatureV1);
    const alias = formatVkey('alias.example', NoteKeyType.CosignatureV1, w.publicKey);
    expect(parseVkey(alias).keyId).toBe(noteKeyId('alias.example', NoteKeyType.CosignatureV1, w.publicKey));
    const text = formatCheckpoint('dup.example/log', 5, new Uint8Array(32).fill(7));
    const note = await signNote(text, [await ed25519NoteSigner(log), await cosigner(w, { now: () => 1_700_000_000 })]);
    // The copy of the one real cosignature under the alias: only the key ID in front differs.
    const real = note.split('\n').find((line) => line.startsWith('— w1.example '))!;
    const body = Uint8Array.from(atob(real.split(' ')[2]!), (c) => c.charCodeAt(0)).subarray(4);
    const id = noteKeyId('alias.example', NoteKeyType.CosignatureV1, w.publicKey);
    const copied = `— alias.example ${b64Encode(new Uint8Array([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, ...body]))}\n`;
    const trust = { logs: [log.vkey], witnesses: [w.vkey, alias], quorum: 2 };
    await expect(verifyNote(note + copied, trust, { now: 1_800_000_000 })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'witnesses[1]' });
    await expect(verifyNote(note, { logs: [log.vkey], witnesses: [log.vkey] })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'witnesses[0]' });
    await expect(verifyNote(note, { logs: [log.vkey, log.vkey] })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'logs[1]' });
    // One name per key still verifies, and the quorum counts the real cosignature once.
    expect((await verifyNote(note, { logs: [log.vkey], witnesses: [w.vkey] }, { now: 1_800_000_000 })).valid).toBe(true);
  });
});
