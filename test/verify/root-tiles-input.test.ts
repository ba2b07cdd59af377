// verifyEvidence's rootTiles is the caller's tile source: one without a read function is the caller's mistake,
// thrown as ERR_CONFIG naming rootTiles (as a bad `trusted` is), not a failed consistency check that reads as
// if the bundle's checkpoint could not be proven an extension of the trusted one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyEvidence, type TileSource } from '../../src/verify/index.js';

const DIR = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const now = Date.parse((JSON.parse(read('manifest.json')) as { now: string }).now);
const policy = read('policy-2of3.txt');
const inter = JSON.parse(read('intermediates.json')) as { root_log: { checkpoints: { size: number; note: string }[] } };

describe('verifyEvidence with root tiles that are no tile source', () => {
  const bundle = JSON.parse(read('bundles/alpha-leaf255.json')) as Record<string, unknown>;
  const trusted = inter.root_log.checkpoints.find((c) => c.size === 2)!.note;

  for (const [what, rootTiles] of [['an empty object', {}], ['a URL string', 'https://log.example/'], ['read that is no function', { read: true }]] as const) {
    it(`throws ERR_CONFIG naming rootTiles for ${what}`, async () => {
      await expect(verifyEvidence(bundle, { policy, now, trusted, rootTiles: rootTiles as unknown as TileSource })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'rootTiles' });
    });
  }

  it('without rootTiles (undefined, or null as JSON has it) the check is skipped, as before', async () => {
    expect((await verifyEvidence(bundle, { policy, now, trusted })).checks.consistency).toMatchObject({ status: 'skipped' });
    expect((await verifyEvidence(bundle, { policy, now, trusted, rootTiles: null as unknown as TileSource })).checks.consistency).toMatchObject({ status: 'skipped' });
  });
});
