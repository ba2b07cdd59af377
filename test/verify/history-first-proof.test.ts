// PROTOCOL.md §6.3: `consistency_b64url` is "the RFC 9162 consistency proof from the previous entry's
// size (absent on the first entry)". A first entry that carries one claims a previous entry the file
// does not hold (a history cut from a longer one, or hand-made): verifyHistory ignored the proof and
// passed the history. As the export audit refuses a previous head named by the tenant's first head
// (§6.2: "null for the first head"), the consistency check now refuses it, naming the entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyHistory } from '../../src/verify/index.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const policy = readFileSync(join(V, 'policy-none.txt'), 'utf8');
const now = new Date('2026-12-31T00:00:00.000Z');
const range = () => JSON.parse(readFileSync(join(V, 'histories/history-range.json'), 'utf8'));
const REASON = 'the first entry has no entry before it: consistency_b64url must be absent';

describe('verifyHistory: a consistency proof on the first entry', () => {
  it('passes the vector as given (no proof on its first entry)', async () => {
    const history = range();
    expect(history.checkpoints[0].consistency_b64url).toBeUndefined();
    expect((await verifyHistory(history, { policy, now })).ok).toBe(true);
  });

  it.each([
    ['a proof copied from the next entry', (h: { checkpoints: { consistency_b64url?: unknown }[] }) => h.checkpoints[1]!.consistency_b64url],
    ['an empty proof', () => []],
    ['null', () => null],
  ])('fails consistency with %s, naming the first entry', async (_name, proof) => {
    const history = range();
    history.checkpoints[0].consistency_b64url = proof(history);
    const report = await verifyHistory(history, { policy, now });
    expect(report.ok).toBe(false);
    expect(report.entries[0]!.consistency).toEqual({ status: 'failed', ok: false, reason: REASON });
    expect(report.checks.consistency).toMatchObject({ status: 'failed', reason: `#0: ${REASON}` });
    expect(report.reason).toBe(`consistency: #0: ${REASON}`);
  });
});
