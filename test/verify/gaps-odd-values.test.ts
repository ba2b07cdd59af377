// gapCounter().addEvent takes the caller's own events (unknown): a malformed aegislog.dropped event is noted,
// never thrown. One whose event_id is a Symbol, or whose count is an object without a prototype (as some
// parsers make them), threw a raw TypeError while the note was written ("Cannot convert object to
// primitive value"), and an object was noted as "[object Object]", an array as "1,2".
import { describe, expect, it } from 'vitest';
import { gapCounter } from '../../src/verify/index.js';

const dropped = (extra: Record<string, unknown>) => ({ event_type: 'aegislog.dropped', event_id: 'd', client_id: 'c', client_seq: 1, count: 1, first_seq: 1, last_seq: 1, ...extra });

describe('gapCounter: a drop report with odd values', () => {
  it('notes a count that is an object without a prototype', () => {
    const g = gapCounter();
    g.addEvent(dropped({ count: Object.create(null) }));
    expect(g.report().clients[0]!.notes).toEqual(['aegislog.dropped d is malformed (count {}, first_seq 1, last_seq 1)']);
  });

  it('notes an object and an array as JSON', () => {
    const g = gapCounter();
    g.addEvent(dropped({ count: { a: 1 }, first_seq: [1, 2] }));
    expect(g.report().clients[0]!.notes).toEqual(['aegislog.dropped d is malformed (count {"a":1}, first_seq [1,2], last_seq 1)']);
  });

  it('notes an event_id that is a Symbol, or a BigInt count', () => {
    const g = gapCounter();
    g.addEvent(dropped({ event_id: Symbol('s'), count: 5n }));
    expect(g.report().clients[0]!.notes).toEqual(['aegislog.dropped Symbol(s) is malformed (count 5n, first_seq 1, last_seq 1)']);
  });

  it('lists a repeat whose event_id is an object without a prototype', () => {
    const g = gapCounter();
    g.addEvent({ event_id: 'a', client_id: 'c', client_seq: 1 });
    g.addEvent({ event_id: Object.create(null), client_id: 'c', client_seq: 1 });
    expect(g.report().clients[0]!.duplicates).toEqual([{ seq: 1, eventId: '{}' }]);
  });
});
