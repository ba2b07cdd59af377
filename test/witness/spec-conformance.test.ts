/**
 * The witness against the C2SP texts (specs/c2sp: tlog-witness, tlog-cosignature,
 * signed-note, tlog-checkpoint), each rule checked with what the text says built
 * here by hand (node:crypto, @noble/post-quantum, Buffer), not with the SDK's own
 * codecs, so that a codec and the witness cannot agree on a mistake.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { signNote } from '../../src/tlog/note.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { cosigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { createWitness, memoryWitnessStore, witnessHandler } from '../../src/witness/index.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';

const NOW = 1_800_000_000;
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/spec', 40)));

/** A vkey, read as signed-note writes it: `<name>+<hex key ID>+base64(type ‖ key)`. */
function readVkey(vkey: string) {
  const [name, hex] = vkey.split('+', 2) as [string, string];
  const b64 = vkey.slice(name.length + hex.length + 2);
  const bytes = Buffer.from(b64, 'base64');
  return { name, keyId: hex, type: bytes[0]!, key: bytes.subarray(1) };
}

/** One 200 body line, `— <name> base64(key ID ‖ u64 timestamp ‖ signature)\n`, read by hand. */
function readLines(body: string) {
  expect(body.endsWith('\n')).toBe(true);
  return body.slice(0, -1).split('\n').map((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    expect(m, line).not.toBeNull();
    const bytes = Buffer.from(m![2]!, 'base64');
    return { name: m![1]!, keyId: bytes.subarray(0, 4).toString('hex'), timestamp: bytes.readBigUInt64BE(4), signature: bytes.subarray(12) };
  });
}

const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

async function witnessOf(options: { mlDsa?: boolean; maxBodyBytes?: number } = {}) {
  const w = await witnessKeys('witness.example/spec', { now: () => NOW, mlDsa: options.mlDsa ?? false });
  const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store: memoryWitnessStore(), now: () => NOW });
  const handler = witnessHandler(witness, options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {});
  const post = async (body: BodyInit, init: RequestInit = {}) => {
    const res = await handler(new Request('http://witness.test/add-checkpoint', { method: 'POST', body, ...init, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit));
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  return { w, witness, handler, post };
}

describe('tlog-cosignature: what the witness signs', () => {
  it('Ed25519: key ID SHA-256(name ‖ "\\n" ‖ 0x04 ‖ key)[:4]; signature over "cosignature/v1\\ntime <t>\\n" ‖ the whole note text, extension lines included', async () => {
    const { w, post } = await witnessOf();
    const text = `${formatCheckpoint(log.origin, 9, log.root(9))}an extension line\n`;
    const res = await post(formatAddCheckpoint(0, [], await signNote(text, log.signers)));
    expect(res.status).toBe(200);
    const vk = readVkey(w.vkeys[0]!);
    expect(vk.type).toBe(0x04);
    const [line, ...more] = readLines(res.text);
    expect(more).toEqual([]);
    const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${vk.name}\n`), Buffer.of(0x04), vk.key])).digest().subarray(0, 4).toString('hex');
    expect([line!.name, line!.keyId, vk.keyId, line!.timestamp]).toEqual([vk.name, id, id, BigInt(NOW)]);
    expect(line!.signature).toHaveLength(64);
    const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), vk.key]), format: 'der', type: 'spki' });
    const message = Buffer.from(`cosignature/v1\ntime ${NOW}\n${text}`);
    expect(nodeVerify(null, message, publicKey, line!.signature)).toBe(true);
  });

  it('ML-DSA-44: key ID with 0x06 and the 1312-byte key; subtree/v1 cosigned_message over [0, size) with the timestamp, extension lines not signed', async () => {
    const { w, post } = await witnessOf({ mlDsa: true });
    const text = `${formatCheckpoint(log.origin, 13, log.root(13))}an extension line\n`;
    const res = await post(formatAddCheckpoint(0, [], await signNote(text, log.signers)));
    expect(res.status).toBe(200);
    const vk = readVkey(w.vkeys[1]!);
    expect([vk.type, vk.key.length]).toEqual([0x06, 1312]);
    const line = readLines(res.text)[1]!;
    const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${vk.name}\n`), Buffer.of(0x06), vk.key])).digest().subarray(0, 4).toString('hex');
    expect([line.name, line.keyId, line.timestamp, line.signature.length]).toEqual([vk.name, id, BigInt(NOW), 2420]);
    const name = Buffer.from(vk.name);
    const origin = Buffer.from(log.origin);
    const message = Buffer.concat([
      Buffer.from('subtree/v1\n\0'), Buffer.of(name.length), name, u64(NOW), Buffer.of(origin.length), origin,
      u64(0), u64(13), Buffer.from(log.root(13)),
    ]);
    expect(ml_dsa44.verify(new Uint8Array(line.signature), new Uint8Array(message), new Uint8Array(vk.key))).toBe(true);
  });
});

describe('tlog-witness: add-checkpoint answers', () => {
  it('409: the latest cosigned size in decimal and a newline, Content-Type text/x.tlog.size (0 before the first)', async () => {
    const { post } = await witnessOf();
    expect(await post(await log.body(4, 9))).toMatchObject({ status: 409, type: 'text/x.tlog.size', text: '0\n' });
    expect((await post(await log.body(0, 30))).status).toBe(200);
    expect(await post(await log.body(9, 31))).toMatchObject({ status: 409, type: 'text/x.tlog.size', text: '30\n' });
  });

  it('404 for an unknown origin comes before the signature check (the checkpoint is signed by nobody it knows)', async () => {
    const { post } = await witnessOf();
    const stranger = await testLog('log.example/stranger', 3);
    expect((await post(await stranger.body(0, 3))).status).toBe(404);
  });

  it('403 when a line of a trusted key (name and ID) does not verify, whatever its length; lines of unknown keys are ignored', async () => {
    const { post } = await witnessOf();
    const note = await log.checkpoint(5);
    const [text, block] = [note.slice(0, note.lastIndexOf('\n\n') + 2), note.slice(note.lastIndexOf('\n\n') + 2)];
    const lines = block.slice(0, -1).split('\n');
    const keyIdOf = (line: string) => Buffer.from(line.split(' ')[2]!, 'base64').subarray(0, 4);
    const withSignature = (line: string, sig: Buffer) => `${line.split(' ').slice(0, 2).join(' ')} ${Buffer.concat([keyIdOf(line), sig]).toString('base64')}`;
    for (const sig of [Buffer.alloc(1), Buffer.alloc(10), Buffer.alloc(64), Buffer.alloc(200)]) {
      for (const i of [0, 1]) {
        const bad = lines.map((l, j) => (j === i ? withSignature(l, sig) : l));
        expect((await post(formatAddCheckpoint(0, [], `${text}${bad.join('\n')}\n`))).status, `line ${i}, ${sig.length} bytes`).toBe(403);
      }
    }
    // Same name, another key ID: an unknown key, ignored (signed-note), next to a line that verifies.
    const unknown = `\u2014 ${log.origin} ${Buffer.concat([Buffer.from('00000000', 'hex'), Buffer.alloc(64)]).toString('base64')}`;
    expect((await post(formatAddCheckpoint(0, [], `${text}${unknown}\n${block}`))).status).toBe(200);
  });

  it('400 for an old size above the checkpoint size, before the 409 (which would name the cosigned size)', async () => {
    const { post } = await witnessOf();
    expect((await post(await log.body(0, 10))).status).toBe(200);
    expect((await post(formatAddCheckpoint(12, [], await log.checkpoint(11)))).status).toBe(400);
  });

  it('422 for a size-0 checkpoint without SHA-256(""), a proof with old 0, a failing proof, equal sizes with another root', async () => {
    const { post } = await witnessOf();
    const zero = await signNote(formatCheckpoint(log.origin, 0, new Uint8Array(32)), log.signers);
    expect((await post(formatAddCheckpoint(0, [], zero))).status).toBe(422);
    const empty = await signNote(formatCheckpoint(log.origin, 0, createHash('sha256').update('').digest()), log.signers);
    expect((await post(formatAddCheckpoint(0, [], empty))).status).toBe(200);
    expect((await post(formatAddCheckpoint(0, [log.root(1)], await log.checkpoint(6)))).status).toBe(422);
    expect((await post(await log.body(0, 6))).status).toBe(200);
    expect((await post(formatAddCheckpoint(6, log.proof(5, 9), await log.checkpoint(9)))).status).toBe(422);
    expect((await post(formatAddCheckpoint(6, [], await log.checkpoint(6, log.root(7))))).status).toBe(422);
    expect((await post(await log.body(6, 9))).status).toBe(200);
  });

  it('200: the same checkpoint again (old = size = cosigned size, no proof) is cosigned, and the record stays', async () => {
    const { post, handler } = await witnessOf();
    const body = await log.body(0, 7);
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(await post(formatAddCheckpoint(7, [], await log.checkpoint(7)))).toEqual(first);
    const hash = createHash('sha256').update(log.origin).digest('hex');
    const kept = await (await handler(new Request(`http://witness.test/${hash}/checkpoint`))).text();
    // GET checkpoint: the checkpoint, the log's lines it verified, then the cosignatures add-checkpoint returned.
    expect(kept.startsWith(`${formatCheckpoint(log.origin, 7, log.root(7))}\n\u2014 ${log.origin} `)).toBe(true);
    expect(kept.endsWith(first.text)).toBe(true);
  });
});

describe('tlog-witness: request syntax', () => {
  it('reads the old size line, up to 63 proof lines, the blank line and the checkpoint; refuses a 64th proof line, CRLF, a missing blank line', async () => {
    const { post } = await witnessOf();
    expect((await post(await log.body(0, 1))).status).toBe(200);
    // From 1 to 40: a proof of several lines, in order.
    expect((await post(await log.body(1, 40))).status).toBe(200);
    const note = await log.checkpoint(40);
    expect((await post(`old 40\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64)}\n${note}`)).status).toBe(400);
    expect((await post(`old 40\r\n\r\n${note}`)).status).toBe(400);
    expect((await post(`old 40\n${note}`)).status).toBe(400);
    expect((await post(`old 40\n\n${note}`)).status).toBe(200);
  });

  it('signed-note: accepts a checkpoint carrying 16 ML-DSA-44-sized signature lines of other keys, under the default body limit', async () => {
    const { post } = await witnessOf();
    const others = await Promise.all(Array.from({ length: 16 }, async (_, i) => cosigner(await generateNoteSigningKey(`other.example/w${i}`, NoteKeyType.MlDsa44), { now: () => NOW })));
    const text = formatCheckpoint(log.origin, 3, log.root(3));
    const note = await signNote(text, [...log.signers, ...others]);
    expect(new TextEncoder().encode(note).length).toBeGreaterThan(16 * 3000);
    expect((await post(formatAddCheckpoint(0, [], note))).status).toBe(200);
  });
});

describe('robustness: a body far above the limit', () => {
  it('declared by Content-Length: 413 without reading it', async () => {
    const { post } = await witnessOf({ maxBodyBytes: 64 * 1024 });
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.enqueue(new Uint8Array(16 * 1024).fill(0x41))) }, { highWaterMark: 0 });
    const res = await post(endless, { headers: { 'content-length': String(1024 ** 3) } });
    expect(res.status).toBe(413);
    expect(pulls).toBeLessThanOrEqual(1);
  });

  it('sent without a length (chunked, endless): 413 once past the limit, and it stops reading', async () => {
    const { post } = await witnessOf({ maxBodyBytes: 64 * 1024 });
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull: (c) => void (pulls++, c.enqueue(new Uint8Array(16 * 1024).fill(0x41))),
      cancel: () => void (cancelled = true),
    }, { highWaterMark: 0 });
    const res = await post(endless);
    expect([res.status, cancelled]).toEqual([413, true]);
    expect(pulls).toBeLessThanOrEqual(64 / 16 + 2);
  });
});

describe('robustness: two requests of one log with different old sizes', () => {
  it('one from the size another is writing: refused before it is written (409), cosigned once it is, never a rollback', async () => {
    const w = await witnessKeys('witness.example/spec', { now: () => NOW });
    const shared = memoryWitnessStore();
    const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store: shared, now: () => NOW });
    expect((await witness.addCheckpoint(await log.body(0, 5))).status).toBe(200);
    const before = (await shared.latest(log.origin))!;
    // B read the state before A's write landed (a read racing a write), its atomic step comes after it.
    const racing = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store: { ...shared, latest: async () => before }, now: () => NOW });
    expect((await witness.addCheckpoint(await log.body(5, 10))).status).toBe(200); // A
    expect((await racing.addCheckpoint(await log.body(10, 12))).status).toBe(200); // B, from A's size
    expect((await shared.latest(log.origin))!.size).toBe(12);
    // And B from the old size once A is written: 409 naming A's size, the state stays.
    expect(await racing.addCheckpoint(await log.body(5, 20))).toEqual({ status: 409, size: 12 });
    expect((await shared.latest(log.origin))!.size).toBe(12);
  });
});
