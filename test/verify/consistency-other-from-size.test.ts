// A bundle fetched with from_size=M carries the consistency proof from M. An auditor who trusts a checkpoint
// of another size N holds a proof about another pair: it says nothing against the bundle, so it is not read
// (as requireEmptyCarried has it for equal sizes), and the proof from N is read from the root log's tiles when
// given; without tiles the check is skipped saying how to get one, never failed as if the log had forked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { b64Decode, type EvidenceBundle } from '../../src/protocol/index.js';
import { tilePath } from '../../src/tlog/tiles.js';
import { verifyEvidence, type TileSource } from '../../src/verify/index.js';

const DIR = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const manifest = JSON.parse(read('manifest.json')) as { now: string };
const now = Date.parse(manifest.now);
const inter = JSON.parse(read('intermediates.json')) as { root_log: { checkpoints: { size: number; note: string }[] } };
const tiles = JSON.parse(read('tiles.json')) as Record<string, Record<string, string>>;
const policy = read('policy-2of3.txt');

const rootTiles: TileSource = {
  async read(refs) {
    return refs.map((ref) => {
      const text = tiles.root![tilePath(ref)];
      if (text === undefined) throw new Error(`the root log has no ${tilePath(ref)}`);
      return b64Decode(text);
    });
  },
};

describe('a carried consistency proof from another size than the trusted checkpoint', () => {
  const bundle = JSON.parse(read('bundles/beta-leaf3-consistency.json')) as EvidenceBundle;
  const carriedFrom = bundle.consistency!.from_size;
  const trusted = inter.root_log.checkpoints.find((c) => c.size > 0 && c.size !== carriedFrom && c.size < bundle.head_inclusion!.tree_size)!;

  it('the vectors hold such a pair', () => {
    expect(trusted).toBeDefined();
    expect(trusted.size).not.toBe(carriedFrom);
  });

  it('passes from the root log tiles when they are given, as it does for a bundle that carries none', async () => {
    const { consistency: _, ...bare } = bundle;
    const fromTiles = await verifyEvidence(bare, { policy, now, trusted: trusted.note, rootTiles });
    expect(fromTiles.checks.consistency).toEqual({ status: 'passed', ok: true });
    const report = await verifyEvidence(bundle, { policy, now, trusted: trusted.note, rootTiles });
    expect(report.checks.consistency).toEqual({ status: 'passed', ok: true });
    expect(report.ok).toBe(true);
  });

  it('is skipped without tiles, naming the from_size to fetch, and not failed', async () => {
    const report = await verifyEvidence(bundle, { policy, now, trusted: trusted.note });
    expect(report.checks.consistency).toMatchObject({ status: 'skipped', reason: expect.stringContaining(`from_size=${trusted.size}`) });
    expect(report.ok).toBe(false);
  });

  it('a carried proof from the trusted size is still read, and a forged one still fails', async () => {
    const earlier = inter.root_log.checkpoints.find((c) => c.size === carriedFrom)!;
    expect((await verifyEvidence(bundle, { policy, now, trusted: earlier.note })).checks.consistency).toEqual({ status: 'passed', ok: true });
    const forged = { ...bundle, consistency: { from_size: carriedFrom, path_b64url: bundle.consistency!.path_b64url.map(() => 'A'.repeat(43)) } };
    expect((await verifyEvidence(forged, { policy, now, trusted: earlier.note, rootTiles })).checks.consistency).toMatchObject({ status: 'failed' });
  });
});
