// A sender that numbers every event alike (a client_seq set by hand, a store copied to many machines) repeats one
// number for every event. The gap counter kept one object per repeat, so an export of 10^7 such events held 10^7 of
// them, where its memory should grow with clients and gaps. It now lists the first repeats of each client and
// counts them all.
import { describe, expect, it } from 'vitest';
import { gapCounter } from '../../src/verify/index.js';

describe('gapCounter: repeated numbers', () => {
  it('lists a bounded sample of one client\'s repeats and counts every one', () => {
    const g = gapCounter();
    const n = 100_000;
    for (let i = 0; i < n; i++) g.addEvent({ tenant_id: 'acme', event_type: 'x', event_id: `e${i}`, client_id: 'c', client_seq: 1 });
    const [client] = g.report().clients;
    expect(client!.duplicates.length).toBeLessThanOrEqual(100);
    expect(client!.duplicateCount).toBe(n - 1);
    expect(client!.duplicates[0]).toEqual({ seq: 1, eventId: 'e1' });
    expect(g.report().ok).toBe(false);
  });

  it('counts none for a client without repeats', () => {
    const g = gapCounter();
    g.addEvent({ event_id: 'e', client_id: 'c', client_seq: 1 });
    expect(g.report().clients[0]).toMatchObject({ duplicates: [], duplicateCount: 0 });
    expect(g.report().ok).toBe(true);
  });
});
