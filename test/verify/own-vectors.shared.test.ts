// Our own v2 note vectors (test/vectors/aegislog-v2-own: made with node:crypto and @noble/post-quantum
// alone, by generate.mjs): every intermediate value must come out of this library the same.
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/aegislog-v2-own/vectors.json';
import { b64Decode, b64Encode, hexDecode, hexEncode, sha256 } from '../../src/protocol/index.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { cosignatureV1Message, subtreeV1Message } from '../../src/tlog/cosignature.js';
import { merkleRoot, verifyConsistency } from '../../src/tlog/merkle.js';
import { parseNote, signNote } from '../../src/tlog/note.js';
import { parsePolicy } from '../../src/tlog/policy.js';
import { NoteKeyType, formatVkey, noteKeyId, parseVkey } from '../../src/tlog/vkey.js';
import { cosigner, ed25519NoteSigner, parseNoteSigningKey } from '../../src/verify/note-signers.js';
import { verifyNote } from '../../src/verify/notes.js';

const { keys, notes, policies, tree } = vectors;
const NOW = { now: 1_800_000_100 };
const text = (s: string) => new TextEncoder().encode(s);
const leaves = Array.from({ length: 20 }, (_, i) => sha256(text(`leaf ${i}`)));

describe('aegislog-v2-own vectors: intermediate values', () => {
  it('key IDs: SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4], and SHA-256(SPKI)[:4] for ECDSA', async () => {
    for (const k of [keys.log_ed25519, keys.w1, keys.w2]) {
      expect(hexEncode(sha256(hexDecode(k.key_id_input_hex)))).toBe(k.key_id_sha256_hex);
      expect(noteKeyId(k.name, k.type as NoteKeyType, hexDecode(k.public_hex)).toString(16).padStart(8, '0')).toBe(k.key_id_hex);
      expect(formatVkey(k.name, k.type as NoteKeyType, hexDecode(k.public_hex))).toBe(k.vkey);
      const parsed = await parseNoteSigningKey(k.skey);
      expect([hexEncode(parsed.seed), hexEncode(parsed.publicKey), parsed.vkey]).toEqual([k.seed_hex, k.public_hex, k.vkey]);
    }
    const ec = keys.log_ecdsa;
    expect(hexEncode(sha256(hexDecode(ec.spki_hex)))).toBe(ec.key_id_sha256_hex);
    expect(formatVkey(ec.name, NoteKeyType.EcdsaP256, hexDecode(ec.spki_hex))).toBe(ec.vkey);
    const pq = await parseNoteSigningKey(keys.w3.skey);
    expect([hexEncode(sha256(pq.publicKey)), pq.vkey]).toEqual([keys.w3.public_sha256_hex, keys.w3.vkey]);
  });

  it('the tree: roots and the 7 → 20 consistency proof', () => {
    for (const [n, r] of Object.entries(tree.roots_b64)) expect(b64Encode(merkleRoot(leaves.slice(0, Number(n)))), n).toBe(r);
    const proof = tree.consistency_7_20_b64.map((h) => b64Decode(h));
    expect(verifyConsistency({ size1: 7, size2: 20, root1: b64Decode(tree.roots_b64['7']), root2: b64Decode(tree.roots_b64['20']), proof })).toBe(true);
    const forked = leaves.map((l, i) => (i === 11 ? sha256(text('leaf 11 forked')) : l));
    expect(b64Encode(merkleRoot(forked))).toBe(tree.fork_root_20_b64);
  });

  it('the checkpoint text, the log\'s Ed25519 signature (deterministic) and its ECDSA digest', async () => {
    const n = notes.cosigned_20;
    expect(formatCheckpoint(vectors.origin, 20, b64Decode(tree.roots_b64['20']))).toBe(n.text);
    expect(hexEncode(text(n.text))).toBe(n.log.ed25519.message_hex);
    expect(hexEncode(sha256(text(n.text)))).toBe(n.log.ecdsa.digest_hex);
    const signer = await ed25519NoteSigner(keys.log_ed25519.skey);
    expect(hexEncode(await signer.sign(text(n.text)))).toBe(n.log.ed25519.signature_hex);
    expect(await signNote(n.text, [signer])).toBe(`${n.text}\n${n.log.ed25519.line}`);
  });

  it('cosignature/v1: the signed message and the signature line, byte for byte', async () => {
    const n = notes.cosigned_20;
    for (const [name, c] of [['w1', n.cosignatures.w1], ['w2', n.cosignatures.w2]] as const) {
      expect(new TextDecoder().decode(cosignatureV1Message(n.text, c.timestamp))).toBe(c.message_text);
      const signer = await cosigner(keys[name].skey, { now: () => c.timestamp });
      const sig = await signer.sign(text(n.text));
      expect(hexEncode(sig.subarray(8))).toBe(c.signature_hex);
      expect(`— ${signer.name} ${b64Encode(Uint8Array.of(...hexDecode(keys[name].key_id_hex), ...sig))}\n`).toBe(c.line);
    }
  });

  it('subtree/v1: the cosigned_message bytes; the ML-DSA-44 signature verifies', async () => {
    const n = notes.cosigned_20;
    const c = n.cosignatures.w3;
    const body = parseCheckpoint(n.text);
    expect(hexEncode(subtreeV1Message({ cosigner: keys.w3.name, timestamp: c.timestamp, origin: body.origin, start: 0, end: body.size, hash: body.root }))).toBe(c.message_hex);
    expect(hexEncode(sha256(b64Decode(c.signature_b64)))).toBe(c.signature_sha256_hex);
    const v = await verifyNote(`${n.text}\n${n.log.ed25519.line}${c.line}`, parsePolicy(`log ${keys.log_ed25519.vkey}\nwitness w3 ${keys.w3.vkey}\nquorum w3\n`), NOW);
    expect([v.valid, v.cosigners.map((x) => x.timestamp)]).toEqual([true, [c.timestamp]]);
  });
});

describe('aegislog-v2-own vectors: notes under policies', () => {
  for (const backend of ['webcrypto', 'noble'] as const) {
    it(`the cosigned note passes 2-of-3, nested groups, w3 alone and none (${backend})`, async () => {
      for (const [name, p] of Object.entries(policies)) {
        const v = await verifyNote(notes.cosigned_20.note, parsePolicy(p.text), { ...NOW, backend });
        expect([name, v.valid, v.logSigners.length, v.cosigners.length]).toEqual([name, true, 2, name === 'none' ? 0 : 3]);
        expect(v.witnesses.status).toBe(name === 'none' ? 'skipped' : 'passed');
      }
    });
  }

  it('quorums at their edges: without w3 the nested policy fails and 2-of-3 passes; with w1 alone both fail', async () => {
    const n = notes.cosigned_20;
    const without3 = n.note.replace(n.cosignatures.w3.line, '');
    const only1 = without3.replace(n.cosignatures.w2.line, '');
    const verdicts = async (note: string) =>
      Promise.all(['2of3', 'nested'].map(async (p) => (await verifyNote(note, parsePolicy(policies[p as '2of3'].text), NOW)).witnesses.status));
    expect(await verdicts(without3)).toEqual(['passed', 'failed']);
    expect(await verdicts(only1)).toEqual(['failed', 'failed']);
  });

  it('the high-S ECDSA note verifies (PROTOCOL.md §1), through both backends', async () => {
    const h = notes.ecdsa_high_s_20;
    expect(h.s_is_high).toBe(true);
    for (const backend of ['webcrypto', 'noble'] as const) {
      const v = await verifyNote(h.note, parsePolicy(policies.none.text), { backend });
      expect([v.valid, v.logSigners.map((s) => s.type)]).toEqual([true, [0x02]]);
    }
  });

  it('the fork and the smaller tree are validly signed by the log: evidence, not noise', async () => {
    for (const n of [notes.fork_20, notes.log_5, notes.log_7]) {
      expect((await verifyNote(n.note, parsePolicy(policies.none.text))).logSignature.status).toBe('passed');
      expect(parseNote(n.note).text).toBe(n.text);
    }
    expect(parseCheckpoint(notes.fork_20.text).size).toBe(parseCheckpoint(notes.cosigned_20.text).size);
    expect(parseVkey(keys.log_ecdsa.vkey).keyId.toString(16).padStart(8, '0')).toBe(keys.log_ecdsa.key_id_hex);
  });
});
