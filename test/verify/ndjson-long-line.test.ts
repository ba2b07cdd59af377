import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, type VerifyKey } from '../../src/verify/index.js';
import { MAX_LINE } from '../../src/verify/export-input.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

// A version-1 export read from byte chunks (a fetch body, a file stream): a line that never ends
// was joined again and split again with every chunk, in time quadratic in its length (10 MiB:
// 5 s, 20 MiB: 16 s) and memory without bound. Lines are bounded as the version-2 reader bounds
// them: past MAX_LINE the line is a problem named as too long, and nothing more of it is kept.
let key: VerifyKey;
let bundle: EvidenceBundleV1;
let receipts: Receipt[];

beforeAll(async () => {
  const signer = await makeSigner('k-1');
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const period = await sealPeriod(signer, { acme: 3 });
  receipts = period.bundles.get('acme')!.map((b) => b.receipt);
  bundle = period.bundles.get('acme')![0]!;
});

const CHUNK = 1 << 16;

/** The receipts as byte chunks, with one line of `long` bytes of `x` (no newline inside) after the first. */
function* chunks(long: number): Generator<Uint8Array> {
  const encode = (s: string) => new TextEncoder().encode(s);
  yield encode(`${JSON.stringify(receipts[0])}\n`);
  const x = new Uint8Array(CHUNK).fill(0x78);
  for (let sent = 0; sent < long; sent += CHUNK) yield x.subarray(0, Math.min(CHUNK, long - sent));
  yield encode(`\n${receipts.slice(1).map((r) => JSON.stringify(r)).join('\n')}\n`);
}

describe('a version-1 export line longer than MAX_LINE, read from byte chunks', () => {
  it('is one problem saying it is too long; the receipts around it are audited', async () => {
    const report = await auditPeriod(chunks(MAX_LINE + CHUNK), bundle, { keys: key });
    expect(report.count).toBe(3);
    expect(report.problemCount).toBe(1);
    expect(report.problems[0]).toMatchObject({ index: 1, reason: `the line is longer than ${MAX_LINE / 2 ** 20} MiB` });
    expect(report.checks.root.ok).toBe(true);
  });

  it('a line of exactly MAX_LINE bytes is still read (and is not JSON)', async () => {
    const report = await auditPeriod(chunks(MAX_LINE), bundle, { keys: key });
    expect(report.problems).toEqual([{ index: 1, reason: 'the line is not JSON' }]);
  });
});

describe('a version-1 export whose bytes end inside a character', () => {
  it('is a problem (not UTF-8), never dropped without a word', async () => {
    async function* cut() {
      yield new TextEncoder().encode(`${receipts.map((r) => JSON.stringify(r)).join('\n')}\n`);
      yield Uint8Array.of(0xc3); // the first byte of a two-byte character, and nothing after it
    }
    const report = await auditPeriod(cut(), bundle, { keys: key });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ index: 3, reason: 'the export is not valid UTF-8; reading stopped there' }]);
  });
});
