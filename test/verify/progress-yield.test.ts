// An audit that reports progress gives the host a turn after each report, so that a page paints
// its bar. In Node that turn is setImmediate: setTimeout(0) waits 1 ms there, 60 ms per 10^6
// receipts for any caller that asks for progress (a terminal's bar, a server's job).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { b64uEncode, formatTime, receiptHash, type Receipt } from '../../src/protocol/index.js';
import { auditExport, auditPeriod, importPublicKey, merkleRoot, parsePolicy, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner } from './helpers/seal.js';

const OWN = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(OWN, path), 'utf8');

afterEach(() => {
  vi.restoreAllMocks();
});

it('auditExport reports progress in Node without waiting on timers', async () => {
  const [header, receipt] = read('exports/alpha-open.ndjson').trim().split('\n');
  // 40,000 lines: two progress reports (every 16,384 lines); what they prove does not matter here.
  const text = [header, ...Array<string>(40_000).fill(receipt!)].join('\n');
  const timers = vi.spyOn(globalThis, 'setTimeout');
  const seen: number[] = [];
  await auditExport(text, { policy: parsePolicy(read('policy-none.txt')), onProgress: (done) => seen.push(done) });
  expect(seen.length).toBeGreaterThanOrEqual(2);
  expect(timers).not.toHaveBeenCalled();
});

it('auditPeriod (version 1) too', async () => {
  const signer = await makeSigner('k');
  const key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const start = Date.parse('2026-11-27T00:00:00.000Z');
  const receipts: Receipt[] = Array.from({ length: 40_000 }, (_, i) => ({
    v: 1, tenant_id: 'bulk', event_id: `e${String(i).padStart(5, '0')}`, digest_b64url: b64uEncode(new Uint8Array(32).fill(i & 255)),
    received_at: formatTime(start), key_id: signer.kid, signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 't',
    signature_b64url: 'unsigned', // signatures are not verified unless asked
  }));
  const head = {
    v: 1 as const, tenant_id: 'bulk', period_start: formatTime(start), period_end: formatTime(start + 86_400_000), tree_size: receipts.length,
    root_b64url: b64uEncode(merkleRoot(receipts.map(receiptHash))),
  };
  const timers = vi.spyOn(globalThis, 'setTimeout');
  const seen: number[] = [];
  const report = await auditPeriod(receipts, head, { keys: key, onProgress: (done) => seen.push(done) });
  expect(report).toMatchObject({ ok: true, count: 40_000 });
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(timers).not.toHaveBeenCalled();
});
