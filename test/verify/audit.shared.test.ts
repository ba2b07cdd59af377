import { beforeAll, describe, expect, it } from 'vitest';
import { b64uEncode, formatTime, receiptHash, type EvidenceBundleV1, type Receipt, type TenantHeadV1 } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, merkleRoot, type VerifyKey } from '../../src/verify/index.js';
import { receiptHashInto } from '../../src/verify/receipt-hash.js';
import { Clock } from '../../src/verify/clock.js';
import { IdArena } from '../../src/verify/id-arena.js';
import { useTreeWasm } from '../../src/tlog/wasm/engine.js';
import { makeEvent, makeReceipt, makeSigner, sealPeriod, type Signer } from './helpers/seal.js';

let signer: Signer;
let key: VerifyKey;
let bundle: EvidenceBundleV1;
let head: TenantHeadV1;
let receipts: Receipt[];

beforeAll(async () => {
  // A key_id with non-ASCII text, so byte chunks cut inside a UTF-8 sequence are exercised too.
  signer = await makeSigner('clé-ü-😀');
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const period = await sealPeriod(signer, { acme: 300, other: 4 });
  bundle = period.bundles.get('acme')![7]!;
  head = period.heads.get('acme')!;
  receipts = period.bundles.get('acme')!.map((b) => b.receipt);
});

function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ndjson = (items: readonly unknown[]): string => items.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** UTF-8 bytes cut at uneven places (inside multi-byte characters too). */
function chunks(text: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7 + 3) % 500 + 1) out.push(bytes.subarray(at, at + step));
  return out;
}

describe('auditPeriod', () => {
  it('an export in leaf order, against the sealed bundle: ok, head proven, built while reading', async () => {
    const report = await auditPeriod(receipts, bundle, { keys: key });
    expect(report).toMatchObject({
      ok: true, tenantId: 'acme', treeSize: 300, count: 300, rootB64url: head.root_b64url, inOrder: true, headProven: true,
      checks: { head: { status: 'passed', ok: true }, receipts: { status: 'passed', ok: true }, root: { status: 'passed', ok: true } }, problems: [], problemCount: 0,
    });
  });

  it('a shuffled export, as NDJSON text, as lines, as byte chunks, async, and as a ReadableStream: ok', async () => {
    const mixed = shuffled(receipts);
    const text = ndjson(mixed);
    async function* slowly(): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks(text)) yield chunk;
    }
    const stream = new ReadableStream<Uint8Array>({ start(c) { for (const chunk of chunks(text)) c.enqueue(chunk); c.close(); } });
    for (const source of [mixed, text, text.split('\n'), chunks(text), slowly(), stream]) {
      const report = await auditPeriod(source, bundle, { keys: key });
      expect(report).toMatchObject({ ok: true, count: 300, inOrder: false, rootB64url: head.root_b64url });
    }
  });

  it('the JavaScript path (runtimes without WebAssembly) audits the same, in order and shuffled', async () => {
    useTreeWasm(false);
    try {
      for (const source of [receipts, shuffled(receipts, 11)]) {
        expect(await auditPeriod(source, bundle, { keys: key })).toMatchObject({ ok: true, rootB64url: head.root_b64url });
      }
      expect((await auditPeriod(receipts.slice(1), bundle, { keys: key })).ok).toBe(false);
    } finally {
      useTreeWasm(true);
    }
  });

  it('a bare tenant head is taken as given: the root is compared, the head is not proven', async () => {
    const report = await auditPeriod(receipts, head, { keys: key });
    expect(report).toMatchObject({ ok: true, headProven: false });
    expect(report.checks.head).toBeUndefined();
  });

  it('a missing receipt, an extra receipt, a duplicate: not ok, and the root check says which', async () => {
    const missing = await auditPeriod(shuffled(receipts).slice(1), bundle, { keys: key });
    expect(missing).toMatchObject({ ok: false, count: 299, checks: { root: { ok: false, reason: expect.stringContaining('1 missing') } } });

    const extraReceipt = await makeReceipt(signer, makeEvent('acme', 999), Date.parse(head.period_start) + 5);
    const extra = await auditPeriod([...receipts, extraReceipt], bundle, { keys: key });
    expect(extra).toMatchObject({ ok: false, count: 301, checks: { root: { ok: false, reason: expect.stringContaining('1 extra') } } });

    const twice = await auditPeriod([...receipts.slice(0, 10), receipts[9]!, ...receipts.slice(10)], bundle, { keys: key });
    expect(twice.ok).toBe(false);
    expect(twice.problems).toContainEqual(expect.objectContaining({ eventId: receipts[9]!.event_id, reason: 'appears twice' }));
    const twiceShuffled = await auditPeriod(shuffled([...receipts, receipts[9]!]), bundle, { keys: key });
    expect(twiceShuffled.problems).toContainEqual(expect.objectContaining({ eventId: receipts[9]!.event_id, reason: 'appears twice' }));
  });

  it('a tampered receipt breaks the root; with verifySignatures its signature check names it (WebCrypto and noble)', async () => {
    const tampered = receipts.map((r, i) => (i === 123 ? { ...r, digest_b64url: receipts[0]!.digest_b64url } : r));
    const plain = await auditPeriod(tampered, bundle, { keys: key });
    expect(plain).toMatchObject({ ok: false, count: 300, checks: { root: { ok: false, reason: expect.stringContaining('changed') } } });
    expect(plain.checks.signatures).toBeUndefined();
    for (const backend of ['webcrypto', 'noble'] as const) {
      const signed = await auditPeriod(tampered, bundle, { keys: key, verifySignatures: true, backend });
      expect(signed.checks.signatures).toMatchObject({ ok: false, reason: '1 receipt signature does not verify' });
      expect(signed.problems).toEqual([expect.objectContaining({ index: 123, eventId: receipts[123]!.event_id, reason: expect.stringContaining('signature') })]);
    }
    expect((await auditPeriod(receipts, bundle, { keys: key, verifySignatures: true })).checks.signatures).toEqual({ status: 'passed', ok: true });
  });

  it('with verifySignatures, a receipt whose key_id names none of several keys is a problem, not a throw', async () => {
    const other = (await importPublicKey((await makeSigner()).publicKey)) as VerifyKey;
    const stranger = receipts.map((r, i) => (i === 42 ? { ...r, key_id: 'nobody' } : r));
    const report = await auditPeriod(stranger, bundle, { keys: [key, other], verifySignatures: true });
    expect(report).toMatchObject({ ok: false, checks: { signatures: { ok: false, reason: '1 receipt signature does not verify' } } });
    expect(report.problems).toContainEqual({ index: 42, eventId: receipts[42]!.event_id, reason: expect.stringContaining('no key with kid "nobody"') });
  });

  it('receipts of another tenant or period, bad lines, and a forged head are reported, not thrown', async () => {
    const foreign = { ...receipts[0]!, tenant_id: 'other' };
    const late = { ...receipts[1]!, received_at: head.period_end };
    const report = await auditPeriod([foreign, late, ...receipts.slice(2), 'not json', '[1]', null], bundle, { keys: key });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'belongs to tenant "other"'], [1, `received_at ${head.period_end} is outside the period`],
      [300, 'the line is not JSON'], [301, 'not a receipt object'], [302, 'not a receipt object'],
    ]);
    // Positions count every item, also after sorting: the duplicate below stands at 4 (after a bad line at 1).
    const mixed = await auditPeriod([receipts[5]!, 'oops', receipts[3]!, receipts[4]!, receipts[3]!], head, { keys: key });
    expect(mixed.inOrder).toBe(false);
    expect(mixed.problems).toEqual([{ index: 1, reason: 'the line is not JSON' }, expect.objectContaining({ reason: 'appears twice' })]);
    expect([2, 4]).toContain(mixed.problems[1]!.index);
    const forged = { ...bundle, tenant_head: { ...head, tree_size: 299 } };
    const againstForged = await auditPeriod(receipts.slice(1), forged, { keys: key });
    expect(againstForged).toMatchObject({ ok: false, headProven: false, checks: { head: { ok: false } } });
  });

  it('throws a typed error when there is no tenant head to audit against', async () => {
    for (const target of [{}, { v: 1 }, bundle.checkpoint!, { ...head, root_b64url: 'short' }, { tenant_head: null }]) {
      await expect(auditPeriod(receipts, target, { keys: key })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' });
    }
  });

  it('reports progress against the head size, and handles 40,000 receipts in leaf order', async () => {
    const start = Date.parse('2026-11-27T00:00:00.000Z');
    const many: Receipt[] = Array.from({ length: 40_000 }, (_, i) => ({
      v: 1, tenant_id: 'bulk', event_id: `e${i}`, digest_b64url: b64uEncode(new Uint8Array(32).fill(i & 255)),
      received_at: formatTime(start + Math.floor(i / 3)), key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 't',
      signature_b64url: 'unsigned-in-this-test', // signatures are not verified here
    }));
    // Leaf order sorts event_id as strings within the same millisecond.
    many.sort((a, b) => a.received_at.localeCompare(b.received_at) || (a.event_id < b.event_id ? -1 : 1));
    const bulkHead: TenantHeadV1 = {
      v: 1, tenant_id: 'bulk', period_start: formatTime(start), period_end: formatTime(start + 86_400_000), tree_size: many.length,
      root_b64url: b64uEncode(merkleRoot(many.map(receiptHash))),
    };
    const calls: [number, number][] = [];
    const report = await auditPeriod(many, bulkHead, { keys: key, onProgress: (done, total) => calls.push([done, total]) });
    expect(report).toMatchObject({ ok: true, count: 40_000, inOrder: true });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.at(-1)).toEqual([40_000, 40_000]);
    expect(calls.every(([done], i) => i === 0 || done > calls[i - 1]![0])).toBe(true);
  });

  it('IdArena orders ids exactly as JavaScript compares strings, and gives them back', () => {
    const ids = ['', 'a', 'ab', 'abc', 'b', 'B', 'évt', 'evt-10', 'evt-9', '😀', '\uffff', 'x'.repeat(70_000), 'x'.repeat(69_999) + 'y'];
    for (let i = 0; i < 3000; i++) ids.push(`evt-${(i * 7919) % 1000}-${String.fromCharCode(33 + (i % 90))}`);
    const arena = new IdArena();
    for (const id of ids) arena.push(id);
    expect(arena.length).toBe(ids.length);
    for (let i = 0; i < ids.length; i += 7) {
      expect(arena.get(i)).toBe(ids[i]);
      for (let j = 0; j < ids.length; j += 97) expect(Math.sign(arena.compare(i, j)), `${i} ${j}`).toBe(ids[i]! < ids[j]! ? -1 : ids[i]! > ids[j]! ? 1 : 0);
    }
  });

  it('reads received_at exactly as Date.parse does, and refuses what parseTime refuses', () => {
    const clock = new Clock();
    for (let i = 0; i < 2000; i++) {
      const text = formatTime(Date.parse('2024-02-27T00:00:00.000Z') + i * 7_654_321 + (i % 1000));
      expect(clock.ms(text), text).toBe(Date.parse(text));
    }
    for (const bad of ['2026-02-30T10:00:00.000Z', '2026-11-27T24:00:00.000Z', '2026-11-27T10:60:00.000Z', '2026-11-27T10:00:00Z', '2026-11-27 10:00:00.000Z', 42, null]) {
      expect(clock.ms(bad), String(bad)).toBeNaN();
    }
  });

  it('the fast receipt hash equals the protocol receiptHash on odd text, and falls back where JCS refuses', () => {
    const base = receipts[0]!;
    const odd = ['"quote"', 'back\\slash', 'tab\tnl\n', '\u0000\u001f\u007f', 'é😀\u2028', '</script>'];
    const out = new Uint8Array(32);
    for (const text of odd) {
      for (const field of ['event_id', 'key_id', 'tenant_id'] as const) {
        const r = { ...base, [field]: text };
        receiptHashInto(r, out, 0);
        expect(out, `${field}=${JSON.stringify(text)}`).toEqual(receiptHash(r));
      }
    }
    const v2 = { ...base, v: 2 } as unknown as Receipt;
    receiptHashInto(v2, out, 0);
    expect(out).toEqual(receiptHash(v2));
    expect(() => receiptHashInto({ ...base, event_id: '\ud800' }, out, 0)).toThrow(expect.objectContaining({ code: 'ERR_JCS_INVALID' }));
  });
});
