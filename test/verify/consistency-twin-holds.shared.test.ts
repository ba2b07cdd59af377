// A consistency proof that does not hold is refused by a history (between two entries) and by a bundle
// (against a trusted checkpoint) with the same words, sizes included, so that a reader or a tool matching
// one refusal matches its twin.
import { describe, expect, it } from 'vitest';
import bundleJson from '../vectors/aegislog-v2-own/bundles/beta-leaf3-consistency.json';
import historyJson from '../vectors/aegislog-v2-own/histories/history.json';
import intermediates from '../vectors/aegislog-v2-own/intermediates.json';
import policy2of3 from '../vectors/aegislog-v2-own/policy-2of3.txt?raw';
import { b64uEncode } from '../../src/protocol/index.js';
import { verifyEvidence, verifyHistory } from '../../src/verify/index.js';

const now = new Date('2026-10-31T00:00:00.000Z');
const junk = b64uEncode(new Uint8Array(32).fill(9));
type Entry = Record<string, unknown>;

describe('a consistency proof from 4 to 6 that does not hold', () => {
  it('is refused in a history and in a bundle with the same words', async () => {
    const h = historyJson as unknown as Entry & { checkpoints: Entry[] };
    const entries = h.checkpoints.map((e) => (e.tree_size === 6 && (e.consistency_b64url as unknown[]).length === 1 ? { ...e, consistency_b64url: [junk] } : e));
    const history = await verifyHistory({ ...h, checkpoints: entries }, { policy: policy2of3, now });
    const bundle = { ...bundleJson, consistency: { from_size: 4, path_b64url: [junk] } };
    const trusted = intermediates.root_log.checkpoints.find((c) => c.size === 4)!.note;
    const report = await verifyEvidence(bundle, { policy: policy2of3, now, trusted });
    const words = 'the consistency proof from size 4 to 6 does not hold: the log is not append-only';
    expect(report.checks.consistency).toEqual({ status: 'failed', ok: false, reason: words });
    expect(history.entries[2]!.consistency).toEqual({ status: 'failed', ok: false, reason: words });
  });
});
