// A sender can write as many aegislog.dropped events as it likes. The gap counter kept one object (and for a
// malformed one, a note string) per such event, so an export of 10^7 of them held 10^7 of each, and the report
// listed them all, where its memory should grow with clients and gaps. It now lists the first drop reports and
// notes of each client and counts them all (droppedCount, noteCount), and still accounts with every report.
import { describe, expect, it } from 'vitest';
import { gapCounter } from '../../src/verify/index.js';

const drop = (i: number, seq: number, extra: Record<string, unknown>) => ({ tenant_id: 'acme', event_type: 'aegislog.dropped', event_id: `d${i}`, client_id: 'c', client_seq: seq, ...extra });

describe('gapCounter: aegislog.dropped events', () => {
  it('lists a bounded sample of one client\'s malformed drop reports and counts every one', () => {
    const g = gapCounter();
    const n = 50_000;
    for (let i = 0; i < n; i++) g.addEvent(drop(i, i + 1, { count: 0, first_seq: 1, last_seq: 1 }));
    const [client] = g.report().clients;
    expect(client!.notes.length).toBeLessThanOrEqual(100);
    expect(client!.noteCount).toBe(n);
    expect(client!.notes[0]).toBe('aegislog.dropped d0 is malformed (count 0, first_seq 1, last_seq 1)');
    expect(g.report().ok).toBe(false);
  });

  it('lists a bounded sample of one client\'s well-formed drop reports and counts every one', () => {
    const g = gapCounter();
    const n = 50_000;
    // Every report claims the one number 1_000_000, which is missing: one accounts for it, the others note it.
    for (let i = 0; i < n; i++) g.addEvent(drop(i, i + 1, { count: 1, first_seq: 1_000_000, last_seq: 1_000_000 }));
    g.addEvent({ tenant_id: 'acme', event_type: 'x', event_id: 'last', client_id: 'c', client_seq: 1_000_001 });
    const [client] = g.report().clients;
    expect(client!.dropped.length).toBeLessThanOrEqual(100);
    expect(client!.droppedCount).toBe(n);
    expect(client!.dropped[0]).toEqual({ eventId: 'd0', seq: 1, count: 1, firstSeq: 1_000_000, lastSeq: 1_000_000, accounts: 1 });
    expect(client!.notes.length).toBeLessThanOrEqual(100);
    expect(client!.noteCount).toBe(n - 1);
    expect(client!.accounted).toBe(1);
  });

  it('still accounts with the drop reports past the ones it lists', () => {
    const g = gapCounter();
    // 300 drops, each of one number (every third), each told by its own report: all accounted for.
    let seq = 0;
    for (let i = 0; i < 300; i++) {
      seq += 2; // seq - 1 is dropped
      g.addEvent(drop(i, seq, { count: 1, first_seq: seq - 1, last_seq: seq - 1 }));
    }
    const report = g.report();
    const [client] = report.clients;
    expect(client).toMatchObject({ missingCount: 300, accounted: 300, unaccounted: 0, droppedCount: 300, notes: [], noteCount: 0 });
    expect(client!.dropped.length).toBe(100);
    expect(report.ok).toBe(true);
  });
});
