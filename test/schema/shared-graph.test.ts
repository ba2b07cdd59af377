// A payload whose objects share their children (no cycle: a DAG) is written out once per path, which grows
// as 2^depth. The validator counts the values it walks against LIMITS.eventValues, but only once its walk
// was over: a 40-level DAG (80 objects in the app) made record() walk 2^40 values before refusing it.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { LIMITS, validateEvent, validateRecorded } from '../../src/schema/index.js';

const base = () => ({ tenant_id: 'acme', event_type: 'probe', event_id: 'dag', trace_id: 'dag' });

/** 30 levels of `{l, r}` whose two children are one object; `reads` counts the reads of their fields. */
function dag(levels: number) {
  const seen = { reads: 0 };
  let node: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) {
    const child = node;
    node = {};
    for (const side of ['l', 'r']) {
      Object.defineProperty(node, side, {
        enumerable: true,
        get() {
          // Far past what any bounded walk needs: stop the runaway walk here instead of waiting it out.
          if (++seen.reads > 20 * LIMITS.eventValues) throw new Error('walked past the limit of values');
          return child;
        },
      });
    }
  }
  return { root: node, seen };
}

describe('a payload that shares its objects down 30 levels (2^30 values written out)', () => {
  it('is refused by the validators as too many values, once past the limit', () => {
    for (const check of [validateEvent, validateRecorded]) {
      const { root, seen } = dag(30);
      expect(() => check({ ...base(), graph: root })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
      expect(seen.reads).toBeLessThanOrEqual(2 * LIMITS.eventValues);
    }
  });

  it('is refused by record(), nothing queued', async () => {
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: 'https://aegislog.test', queue, flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', { graph: dag(30).root })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE' }));
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    await log.close();
  });
});
