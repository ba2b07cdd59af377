import { describe, expect, it } from 'vitest';
import manifest from '../vectors/aegislog-v2/manifest.json';
import receiptPem from '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem?raw';
import jwks from '../vectors/aegislog-v2/keys/keys.json';
import vkeysText from '../vectors/aegislog-v2/keys/vkeys?raw';
import w1 from '../vectors/aegislog-v2/keys/witness1.vkey?raw';
import w2 from '../vectors/aegislog-v2/keys/witness2.vkey?raw';
import policy1of2 from '../vectors/aegislog-v2/policy-1of2.txt?raw';
import policy2of2 from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import policyNone from '../vectors/aegislog-v2/policy-none.txt?raw';
import { importPublicKey, type KeyInput } from '../../src/verify/index.js';
import { parseNote, signNote, signatureLine } from '../../src/tlog/note.js';
import { formatTimestampedSignature, subtreeV1Message } from '../../src/tlog/cosignature.js';
import { loadMlDsa44 } from '../../src/verify/ml-dsa.js';
import { parsePolicy, quorumSatisfied, type Policy } from '../../src/tlog/policy.js';
import { NoteKeyType, verifierKey } from '../../src/tlog/vkey.js';
import { cosigner, ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { policyFromKeys, verifyNote, type VerifyNoteOptions } from '../../src/verify/notes.js';
import { EXAMPLE_NOTE, EXAMPLE_VKEY, QUASIMODO, SOFA_NOTE } from '../tlog/examples.js';

const raw = import.meta.glob<string>('../vectors/aegislog-v2/{bundles,exports,histories}/*', { eager: true, query: '?raw', import: 'default' });
const POLICIES: Record<string, Policy> = {
  'policy-none.txt': parsePolicy(policyNone),
  'policy-1of2.txt': parsePolicy(policy1of2),
  'policy-2of2.txt': parsePolicy(policy2of2),
};
// The vectors' clock: cosignatures are stamped 2026-12-06 and later (their README).
const NOW: VerifyNoteOptions = { now: new Date('2026-12-31T00:00:00Z') };
const ORIGIN = manifest.origin;

/** Every checkpoint note of a vector file, with whether the witness quorum applies to it (a history's newest only, §6.3). */
function notesOf(path: string): { note: string; quorum: boolean }[] {
  const text = raw[`../vectors/aegislog-v2/${path}`]!;
  if (path.startsWith('bundles/')) return [{ note: (JSON.parse(text) as { checkpoint: string }).checkpoint, quorum: true }];
  if (path.startsWith('exports/')) return [{ note: (JSON.parse(text.split('\n')[0]!) as { checkpoint: string }).checkpoint, quorum: true }];
  const entries = (JSON.parse(text) as { checkpoints: { note: string }[] }).checkpoints;
  return entries.map((e, i) => ({ note: e.note, quorum: i === entries.length - 1 }));
}

const note = (path: string) => notesOf(path)[0]!.note;
const both = note('bundles/note-both-w1-w2.json');
const lines = (n: string) => n.split('\n').slice(0, -1).map((l) => `${l}\n`);

describe('the aegislog-v2 vectors', () => {
  for (const backend of ['webcrypto', 'noble'] as const) {
    it(`every checkpoint verifies under its manifest policy (${backend})`, async () => {
      let count = 0;
      for (const [path, entry] of Object.entries(manifest.files)) {
        const policy = POLICIES[entry.policy]!;
        for (const { note: n, quorum } of notesOf(path)) {
          const v = await verifyNote(n, policy, { ...NOW, backend, origin: ORIGIN });
          expect(v.logSignature, path).toEqual({ status: 'passed' });
          if (quorum) {
            expect(v.valid, path).toBe(true);
            expect(v.witnesses.status, path).toBe(entry.policy === 'policy-none.txt' ? 'skipped' : 'passed');
          }
          count++;
        }
      }
      expect(count).toBe(9 + 3 + 4 + 7);
    });
  }

  it('note-ecdsa-only, note-ed25519-only and the high-S note each pass on their one log signature', async () => {
    const expected = { 'note-ecdsa-only': [0x02], 'note-ed25519-only': [0x01], 'note-ecdsa-high-s': [0x02], 'note-both-w1-w2': [0x02, 0x01] };
    for (const [name, types] of Object.entries(expected)) {
      const v = await verifyNote(note(`bundles/${name}.json`), POLICIES['policy-none.txt']!, NOW);
      expect([v.valid, v.logSigners.map((s) => s.type)], name).toEqual([true, types]);
    }
  });

  it('1-of-2 and 2-of-2 quorums: cosigners named with their times; one cosignature meets 1-of-2, not 2-of-2', async () => {
    const v = await verifyNote(both, POLICIES['policy-2of2.txt']!, NOW);
    expect(v.cosigners).toEqual([
      { witness: 'w1', name: 'witness.alpha.example/w1', keyId: 0xbccebae6, type: 0x04, timestamp: 1796515203 },
      { witness: 'w2', name: 'witness.beta.example/w2', keyId: 0xce965173, type: 0x04, timestamp: 1796515204 },
    ]);
    expect(v.quorum).toBe('both = all of (w1, w2)');
    const withoutW2 = both.replace(/— witness\.beta[^\n]*\n/, '');
    expect((await verifyNote(withoutW2, POLICIES['policy-1of2.txt']!, NOW)).witnesses).toEqual({ status: 'passed' });
    const two = await verifyNote(withoutW2, POLICIES['policy-2of2.txt']!, NOW);
    expect([two.valid, two.witnesses.status, two.witnesses.reason]).toEqual([false, 'failed', 'quorum both = all of (w1, w2) not met; valid cosignatures from: w1']);
    const none = await verifyNote(note('bundles/note-ecdsa-only.json'), POLICIES['policy-1of2.txt']!, NOW);
    expect([none.logSignature.status, none.witnesses.status]).toEqual(['passed', 'failed']);
  });

  it('a cosignature stamped beyond the skew fails and names the witness; a wider skew passes', async () => {
    const early = { now: 1796515203 - 301 };
    const v = await verifyNote(both, POLICIES['policy-1of2.txt']!, early);
    expect(v.witnesses.status).toBe('failed');
    expect(v.witnesses.reason).toMatch(/witness w1 \(witness\.alpha\.example\/w1\): cosignature time 1796515203 is 301 s in the future \(allowed skew 300 s\)/);
    expect(v.witnesses.reason).toMatch(/witness w2/);
    expect((await verifyNote(both, POLICIES['policy-1of2.txt']!, { now: 1796515203 - 300 })).witnesses.status).toBe('failed'); // w2 is 1 s later
    expect((await verifyNote(both, POLICIES['policy-1of2.txt']!, { now: 1796515204 - 300 })).witnesses.status).toBe('passed');
    expect((await verifyNote(both, POLICIES['policy-1of2.txt']!, { ...early, maxFutureSkew: 400 })).witnesses.status).toBe('passed');
  });

  it('a pinned PEM or JWKS alone: that key as the ECDSA log key, quorum none (policyFromKeys)', async () => {
    for (const input of [receiptPem, jwks]) {
      const policy = policyFromKeys((await importPublicKey(input)) as KeyInput, ORIGIN);
      expect(policy.logs.map((l) => l.text)).toEqual([vkeysText.split('\n')[0]]);
      expect(policy.quorum).toEqual({ kind: 'none' });
      expect((await verifyNote(note('bundles/note-ecdsa-high-s.json'), policy, NOW)).valid).toBe(true);
      const ed = await verifyNote(note('bundles/note-ed25519-only.json'), policy, NOW);
      expect([ed.valid, ed.logSignature.reason]).toEqual([false, 'no signature by a known log key']);
    }
  });

  it('plain keys (NoteTrust): vkeys with witnesses and all/any/k quorums', async () => {
    const logs = vkeysText.trim().split('\n');
    const witnesses = [w1.trim(), w2.trim()];
    const withoutW2 = both.replace(/— witness\.beta[^\n]*\n/, '');
    expect((await verifyNote(both, { logs, witnesses }, NOW)).witnesses.status).toBe('passed'); // default: all
    expect((await verifyNote(withoutW2, { logs, witnesses }, NOW)).witnesses.status).toBe('failed');
    expect((await verifyNote(withoutW2, { logs, witnesses, quorum: 'any' }, NOW)).witnesses.status).toBe('passed');
    expect((await verifyNote(withoutW2, { logs, witnesses, quorum: 1 }, NOW)).witnesses.status).toBe('passed');
    expect((await verifyNote(withoutW2, { logs, witnesses, quorum: 2 }, NOW)).witnesses.status).toBe('failed');
    expect((await verifyNote(withoutW2, { logs }, NOW)).witnesses.status).toBe('skipped');
    await expect(verifyNote(both, { logs, witnesses, quorum: 3 }, NOW)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });
});

describe('signed-note rules', () => {
  const policy = POLICIES['policy-2of2.txt']!;
  const ecdsaLine = lines(both).find((l) => l.startsWith('— evidence.acme.example/log JxWJ'))!;
  const history = notesOf('histories/history-full-2of2.json').at(-1)!.note; // size 263: other text, same keys
  const foreign = (prefix: string) => lines(history).find((l) => l.startsWith(prefix))!;

  it('a known log key whose signature fails rejects the note, though the other log key signed it', async () => {
    const bad = both.replace(ecdsaLine, foreign('— evidence.acme.example/log JxWJ'));
    const v = await verifyNote(bad, policy, NOW);
    expect([v.valid, v.logSignature.status]).toEqual([false, 'failed']);
    expect(v.logSignature.reason).toMatch(/^log key evidence\.acme\.example\/log\+2715894e: ECDSA signature does not verify/);
    expect(v.witnesses.status).toBe('passed'); // the witnesses' own check stands apart
  });

  it('a known witness whose cosignature fails fails the witnesses check and names it, whatever the quorum', async () => {
    const bad = both.replace(/— witness\.alpha[^\n]*\n/, foreign('— witness.alpha'));
    for (const p of ['policy-1of2.txt', 'policy-2of2.txt']) {
      const v = await verifyNote(bad, POLICIES[p]!, NOW);
      expect([v.valid, v.logSignature.status, v.witnesses.status]).toEqual([false, 'passed', 'failed']);
      expect(v.witnesses.reason).toBe('witness w1 (witness.alpha.example/w1+bccebae6): cosignature/v1 signature does not verify');
    }
  });

  it('unknown keys are ignored: other names, a known name with another ID, a known ID with another name', async () => {
    const logB64 = ecdsaLine.split(' ')[2]!; // ends with its newline
    const extra = [
      '— stranger.example/k AAAAAAA=\n',
      '— evidence.acme.example/log AAAAAAEC\n', // the log's name, key ID 0x00000001
      `— evidence.acme.example/other ${logB64}`, // the ECDSA key's ID, another name
      '— witness.alpha.example/w1 AAAAAQAAAAA=\n',
    ];
    const n = both.replace(/\n\n/, `\n\n${extra.join('')}`);
    const v = await verifyNote(n, policy, NOW);
    expect([v.valid, v.logSigners.length, v.cosigners.length]).toEqual([true, 2, 2]);
    // Unknown signatures alone: the note is not the log's.
    const onlyUnknown = `${parseNote(both).text}\n${extra.join('')}`;
    expect((await verifyNote(onlyUnknown, policy, NOW)).logSignature).toEqual({ status: 'failed', reason: 'no signature by a known log key' });
  });

  it('a repeated valid signature line changes nothing; a repeated known line is verified each time', async () => {
    const n = both.replace(ecdsaLine, ecdsaLine + ecdsaLine);
    const v = await verifyNote(n, policy, NOW);
    expect([v.valid, v.logSigners.length]).toEqual([true, 3]);
  });

  it('the origin must be the expected one and named by a policy log key', async () => {
    expect((await verifyNote(both, policy, { ...NOW, origin: 'other.example/log' })).logSignature).toEqual({
      status: 'failed', reason: 'note origin "evidence.acme.example/log" is not the expected "other.example/log"',
    });
    const otherLog = await ed25519NoteSigner((await generateNoteSigningKey('other.example/log')).skey);
    const stranger = await signNote('other.example/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', [otherLog]);
    expect((await verifyNote(stranger, policy, NOW)).logSignature).toEqual({ status: 'failed', reason: 'no log key of the policy is named for origin "other.example/log"' });
  });

  it('a malformed note or checkpoint fails both checks and says why; it never throws', async () => {
    for (const bad of ['', 'x', both.replace('\n261\n', '\n0261\n'), both.slice(0, -1), QUASIMODO]) {
      const v = await verifyNote(bad, policy, NOW);
      expect([v.valid, v.logSignature.status, v.witnesses.status]).toEqual([false, 'failed', 'failed']);
      expect(v.logSignature.reason).toBeTruthy();
    }
  });

  it('a note that is not a string (read from JSON: a number, null, an object) fails as a malformed one; it never throws', async () => {
    for (const bad of [261, null, undefined, {}, { parsed: { text: 'x', signatures: [] } }, [both], new String(both)]) {
      const v = await verifyNote(bad as unknown as string, policy, NOW);
      expect([v.valid, v.logSignature.status, v.witnesses.status]).toEqual([false, 'failed', 'failed']);
      expect(v.logSignature.reason).toBe('note must be a string');
    }
  });

  it('verifies the signed-note example as a plain note (checkpoint: false), and only under its own key', async () => {
    const v = await verifyNote(EXAMPLE_NOTE, { logs: [EXAMPLE_VKEY] }, { checkpoint: false });
    expect([v.valid, v.logSigners]).toEqual([true, [{ name: 'example.com/foo', keyId: 0x530d903a, type: 0x01 }]]);
    expect(v.checkpoint).toBeUndefined();
    const other = verifierKey('example.com/foo', NoteKeyType.Ed25519, (await generateNoteSigningKey('x')).publicKey);
    expect((await verifyNote(EXAMPLE_NOTE, { logs: [other] }, { checkpoint: false })).logSignature.status).toBe('failed');
    const tampered = EXAMPLE_NOTE.replace('example message', 'example massage');
    expect((await verifyNote(tampered, { logs: [EXAMPLE_VKEY] }, { checkpoint: false })).logSignature.reason).toMatch(/Ed25519 signature does not verify/);
  });

  it('the tlog-cosignature example: no keys are published for it, so under foreign keys nothing is known and it is rejected', async () => {
    const v = await verifyNote(SOFA_NOTE, { logs: vkeysText.trim().split('\n') }, NOW);
    expect(v.logSignature.reason).toBe('no log key of the policy is named for origin "example.com/behind-the-sofa"');
  });

  it('extension lines are refused unless allowed', async () => {
    const log = await generateNoteSigningKey('ext.example/log');
    const signer = await ed25519NoteSigner(log);
    const n = await signNote('ext.example/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension\n', [signer]);
    expect((await verifyNote(n, { logs: [log.vkey] })).logSignature.reason).toMatch(/extension line/);
    expect((await verifyNote(n, { logs: [log.vkey] }, { extensions: true })).valid).toBe(true);
  });

  it('refuses unusable keys up front (ERR_VKEY_INVALID): a small-order Ed25519 key, an ECDSA point off the curve', async () => {
    const smallOrder = verifierKey('k', NoteKeyType.Ed25519, Uint8Array.of(1, ...new Uint8Array(31)));
    await expect(verifyNote(both, { logs: [smallOrder] })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID' });
    const spki = policyFromKeys((await importPublicKey(receiptPem)) as KeyInput, ORIGIN).logs[0]!.key.slice();
    spki[90]! ^= 1; // y changes: not on P-256
    await expect(verifyNote(both, { logs: [verifierKey(ORIGIN, NoteKeyType.EcdsaP256, spki)] })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID' });
    const forged = { ...parsePolicy(policyNone).logs[0]!, keyId: 1 };
    await expect(verifyNote(both, { logs: [forged] })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID' });
    await expect(verifyNote(both, {} as never)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });
});

describe('mutations of a cosigned note', () => {
  const policy = POLICIES['policy-2of2.txt']!;
  const original = parseNote(both);
  const originalLines = new Set(lines(both).slice(4));
  const known = [...policy.logs.map((k) => [k.name, k.keyId]), ...policy.witnesses.map((w) => [w.key.name, w.key.keyId])].map((k) => k.join('+'));
  const witnessOf = new Map(policy.witnesses.map((w) => [`${w.key.name}+${w.key.keyId}`, w.name]));

  /**
   * What signed-note and tlog-policy say of a changed note, with no cryptography:
   * changed text or a changed line under a known key → invalid; an unknown line is
   * ignored; the unchanged lines must still hold a log signature and the quorum.
   */
  function expected(mutated: string): boolean {
    let n;
    try {
      n = parseNote(mutated);
    } catch {
      return false;
    }
    if (n.text !== original.text) return false;
    let log = false;
    const cosigned = new Set<string>();
    const sigLines = mutated.slice(n.text.length + 1).split('\n').slice(0, -1);
    for (const [i, sig] of n.signatures.entries()) {
      const id = `${sig.name}+${sig.keyId}`;
      if (!known.includes(id)) continue;
      if (!originalLines.has(`${sigLines[i]}\n`)) return false;
      if (witnessOf.has(id)) cosigned.add(witnessOf.get(id)!);
      else log = true;
    }
    return log && quorumSatisfied(policy, cosigned);
  }

  it('every character changed: the verdict is what the rules say (both backends)', async () => {
    let rejected = 0;
    for (let i = 0; i < both.length; i++) {
      const c = both.charCodeAt(i);
      const mutated = both.slice(0, i) + String.fromCharCode(c === 0x0a ? 0x20 : c ^ 1) + both.slice(i + 1);
      const want = expected(mutated);
      for (const backend of ['webcrypto', 'noble'] as const) {
        expect((await verifyNote(mutated, policy, { ...NOW, backend })).valid, `char ${i} (${backend})`).toBe(want);
      }
      if (!want) rejected++;
    }
    // Only the key names and IDs of the two log lines can change without rejecting the note (it stays signed by the other).
    expect(rejected).toBeGreaterThan(both.length * 0.85);
  });

  it('every line deleted, doubled or swapped with the next: the verdict is what the rules say', async () => {
    const ls = lines(both);
    const variants: string[] = [];
    for (let i = 0; i < ls.length; i++) {
      variants.push(ls.filter((_, j) => j !== i).join(''));
      variants.push([...ls.slice(0, i + 1), ls[i]!, ...ls.slice(i + 1)].join(''));
      if (i + 1 < ls.length) variants.push([...ls.slice(0, i), ls[i + 1]!, ls[i]!, ...ls.slice(i + 2)].join(''));
    }
    let valid = 0;
    for (const v of variants) {
      const want = expected(v);
      expect((await verifyNote(v, policy, NOW)).valid, JSON.stringify(v)).toBe(want);
      if (want) valid++;
    }
    expect(valid).toBeGreaterThan(5); // doubled and swapped signature lines, a dropped log line
  });
});

describe('ML-DSA-44 cosignatures (subtree/v1, type 0x06)', () => {
  it('a 0x06 witness cosigns, and the note verifies under a policy naming it; a different cosigner name fails', async () => {
    const log = await generateNoteSigningKey('pq.example/log');
    const witness = await generateNoteSigningKey('pq.example/witness', NoteKeyType.MlDsa44);
    const text = 'pq.example/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    const pq = await cosigner(witness, { now: () => 1_800_000_000 });
    const n = await signNote(text, [await ed25519NoteSigner(log), pq]);
    expect(parseNote(n).signatures[1]!.signature).toHaveLength(8 + 2420);
    const policy = parsePolicy(`log ${log.vkey}\nwitness pq ${witness.vkey}\nquorum pq\n`);
    const v = await verifyNote(n, policy, { now: 1_800_000_000 });
    expect([v.valid, v.cosigners.map((c) => [c.witness, c.type, c.timestamp])]).toEqual([true, [['pq', 0x06, 1_800_000_000]]]);
    // subtree/v1 commits to the cosigner's name: a signature made over another name fails under this one.
    const mlDsa = await loadMlDsa44();
    const { secretKey } = mlDsa.keygen(witness.seed);
    const message = subtreeV1Message({ cosigner: 'pq.example/other', timestamp: 1_800_000_000, origin: 'pq.example/log', start: 0, end: 5, hash: new Uint8Array(32) });
    const forged = signatureLine({ name: witness.name, keyId: witness.keyId, signature: formatTimestampedSignature(1_800_000_000, mlDsa.sign(message, secretKey)) });
    const bad = n.replace(/— pq\.example\/witness [^\n]*\n/, forged);
    const failed = await verifyNote(bad, policy, { now: 1_800_000_000 });
    expect([failed.witnesses.status, failed.witnesses.reason]).toEqual(['failed', `witness pq (pq.example/witness+${witness.vkey.split('+')[1]}): subtree/v1 ML-DSA-44 signature does not verify`]);
  });
});
