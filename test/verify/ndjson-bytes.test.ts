// A version-1 export read from UTF-8 byte chunks (a fetch body, a file stream) is judged line by
// line as its text would be, wherever the chunks are cut: CRLF and blank lines, no final newline,
// a byte order mark only at the very start, bytes that are not UTF-8 stop the reading.
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, type VerifyKey } from '../../src/verify/index.js';
import { MAX_LINE } from '../../src/verify/export-input.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let bundle: EvidenceBundleV1;
let lines: string[];

beforeAll(async () => {
  const signer = await makeSigner('clé-😀'); // non-ASCII, so that cuts fall inside characters
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const period = await sealPeriod(signer, { acme: 3 });
  lines = period.bundles.get('acme')!.map((b) => JSON.stringify(b.receipt as Receipt));
  bundle = period.bundles.get('acme')![0]!;
});

const encode = (text: string) => new TextEncoder().encode(text);
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};
/** Every way of cutting `bytes` in two, and in pieces of one byte. */
function* cuts(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [bytes];
  for (let at = 1; at < bytes.length; at++) yield [bytes.subarray(0, at), bytes.subarray(at)];
  yield Array.from(bytes, (b) => Uint8Array.of(b));
}
const audit = (source: Iterable<Uint8Array>) => auditPeriod(source, bundle, { keys: key });

describe('a version-1 export as byte chunks', () => {
  it('CRLF line ends, blank lines and no final newline read as the text does, however the chunks are cut', async () => {
    const text = `\r\n${lines[0]}\r\n\n  \n${lines[1]}\r\n\r\n${lines[2]}`;
    expect(await auditPeriod(text, bundle, { keys: key })).toMatchObject({ ok: true, count: 3, problemCount: 0 });
    for (const source of cuts(encode(text))) expect(await audit(source)).toMatchObject({ ok: true, count: 3, problemCount: 0 });
  });

  it('a byte order mark at the start is dropped, even cut across chunks', async () => {
    const bytes = join(BOM, encode(`${lines.join('\n')}\n`));
    for (const at of [1, 2, 3, 4]) expect(await audit([bytes.subarray(0, at), bytes.subarray(at)])).toMatchObject({ ok: true, count: 3 });
  });

  it('a byte order mark anywhere else makes its line not JSON', async () => {
    const bytes = join(encode(`${lines[0]}\n`), BOM, encode(`${lines[1]}\n${lines[2]}\n`));
    const report = await audit([bytes]);
    expect(report.problems).toEqual([{ index: 1, reason: 'the line is not JSON' }]);
    expect(report.count).toBe(2);
  });

  it('a byte that is not UTF-8 is a problem at its line, and nothing after it is read', async () => {
    const bad = join(encode(lines[1]!.slice(0, 20)), Uint8Array.of(0xff), encode(`${lines[1]!.slice(20)}\n`));
    const report = await audit([encode(`${lines[0]}\n`), bad, encode(`${lines[2]}\n`)]);
    expect(report).toMatchObject({ ok: false, count: 1, problemCount: 1 });
    expect(report.problems).toEqual([{ index: 1, reason: 'the export is not valid UTF-8; reading stopped there' }]);
  });

  it('a line longer than MAX_LINE that opens a chunk is too long even when no chunk cuts it', async () => {
    const bytes = join(new Uint8Array(MAX_LINE + 1).fill(0x78), encode(`\n${lines.join('\n')}\n`));
    const report = await audit([bytes]);
    expect(report.problems).toEqual([{ index: 0, reason: `the line is longer than ${MAX_LINE / 2 ** 20} MiB` }]);
    expect(report.count).toBe(3);
  });
});
