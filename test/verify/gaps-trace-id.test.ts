// A receipt line counts toward its client's numbers only if its event is the receipt's: the export audit refuses a
// line whose event's tenant_id, event_id or trace_id differs from the receipt's. The gap counter compared the first
// two only, so an event with another trace_id (hashing to the digest written beside it) counted as the receipt's.
import { describe, expect, it } from 'vitest';
import { b64uEncode, eventDigest } from '../../src/protocol/index.js';
import { gapCounter } from '../../src/verify/index.js';

const event = (seq: number, trace = 't1') => ({ tenant_id: 'acme', event_type: 'x', event_id: `e${seq}`, trace_id: trace, client_id: 'c', client_seq: seq });
const line = (e: Record<string, unknown>, receiptTrace = e.trace_id) =>
  JSON.stringify({ v: 1, tenant_id: e.tenant_id, event_id: e.event_id, trace_id: receiptTrace, digest_b64url: b64uEncode(eventDigest(e)), leaf_index: 0, event: e });

describe('gapCounter.addLine and trace_id', () => {
  it("refuses a line whose event's trace_id is not the receipt's, and does not count its number", () => {
    const g = gapCounter();
    g.addLine(line(event(1)), { line: 1 });
    g.addLine(line(event(2, 'forged'), 't1'), { line: 2 });
    g.addLine(line(event(3)), { line: 3 });
    const report = g.report();
    expect(report.refused).toEqual([{ line: 2, reason: expect.stringContaining("is not the receipt's") }]);
    expect(report.clients[0]!.missing).toEqual([[2, 2]]);
    expect(report.ok).toBe(false);
  });

  it('counts a line whose event and receipt carry the same trace_id', () => {
    const g = gapCounter();
    g.addLine(line(event(1)), { line: 1 });
    expect(g.report()).toMatchObject({ ok: true, refusedCount: 0 });
  });
});
