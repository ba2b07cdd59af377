// An export fetched without events=true (the usual slip) has every line refused by the gap counter. It kept one
// object per refused line, where its memory should grow with clients and gaps only: a 10^7-line export held 10^7 of
// them. It now keeps the first ones (to name them) and counts them all.
import { describe, expect, it } from 'vitest';
import { gapCounter } from '../../src/verify/index.js';

describe('gapCounter: refused lines', () => {
  it('keeps a bounded sample of the refused lines and counts every one', () => {
    const g = gapCounter();
    const n = 100_000;
    g.addLine(JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null }), { line: 1, source: 'e.ndjson' });
    const line = JSON.stringify({ v: 1, tenant_id: 'acme', event_id: 'e', digest_b64url: 'x', leaf_index: 0 });
    for (let i = 0; i < n; i++) g.addLine(line, { line: i + 2, source: 'e.ndjson' });
    const report = g.report();
    expect(report.ok).toBe(false);
    expect(report.refused.length).toBeLessThanOrEqual(100);
    expect(report.refusedCount).toBe(n);
    expect(report.refused[0]).toEqual({ line: 2, source: 'e.ndjson', reason: 'no event: fetch the export with events=true' });
  });

  it('counts none when none is refused', () => {
    const report = gapCounter().report();
    expect(report.refusedCount).toBe(0);
    expect(report.refused).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
