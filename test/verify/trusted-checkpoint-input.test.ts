// verifyEvidence's `trusted` is the auditor's own earlier checkpoint: a note, or { size, root } with the root's
// 32 bytes. Given in another shape (the root as the base64url string the report itself shows, no root, a size
// that is no tree size), it is the caller's mistake and throws ERR_CONFIG naming `trusted`, as the function
// documents. It once ran the check with it: a root given as text, of the very checkpoint the bundle carries,
// failed the bundle with "both have size 6 but different roots: the log forked", a fork that never happened.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { b64uDecode } from '../../src/protocol/index.js';
import { verifyEvidence, type TrustedCheckpoint } from '../../src/verify/index.js';

const DIR = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const now = Date.parse((JSON.parse(read('manifest.json')) as { now: string }).now);
const policy = read('policy-2of3.txt');
const bundle = JSON.parse(read('bundles/alpha-leaf255.json')) as Record<string, unknown>;

describe('verifyEvidence with a trusted checkpoint that is neither a note nor { size, root bytes }', () => {
  it('the bundle verifies, and its own checkpoint as { size, root bytes } passes consistency', async () => {
    const report = await verifyEvidence(bundle, { policy, now });
    expect(report.ok).toBe(true);
    const { size, rootB64url } = report.checkpoint!;
    const again = await verifyEvidence(bundle, { policy, now, trusted: { size, root: b64uDecode(rootB64url, 'root') } });
    expect(again.checks.consistency).toEqual({ status: 'passed', ok: true });
  });

  it('throws ERR_CONFIG naming trusted for a root given as text, and never says the log forked', async () => {
    const { size, rootB64url } = (await verifyEvidence(bundle, { policy, now })).checkpoint!;
    const trusted = { size, root: rootB64url } as unknown as TrustedCheckpoint;
    await expect(verifyEvidence(bundle, { policy, now, trusted })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'trusted' });
  });

  for (const [what, trusted] of [
    ['null', null],
    ['a number', 6],
    ['no root', { size: 6 }],
    ['a root of 31 bytes', { size: 6, root: new Uint8Array(31) }],
    ['a negative size', { size: -1, root: new Uint8Array(32) }],
    ['a size given as text', { size: '6', root: new Uint8Array(32) }],
  ] as const) {
    it(`throws ERR_CONFIG naming trusted for ${what}`, async () => {
      await expect(verifyEvidence(bundle, { policy, now, trusted: trusted as unknown as TrustedCheckpoint })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'trusted' });
    });
  }
});
