// formatPolicy is public. A policy object whose lists hold something other than what parsePolicy
// returns threw a raw TypeError ("Cannot read properties of undefined (reading 'text')") or wrote
// "log undefined", a line that parsePolicy refuses. The entry is refused as ERR_POLICY_INVALID naming it.
import { describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy } from '../../src/verify/index.js';

const policy = parsePolicy('quorum none\n');

describe('formatPolicy of a policy with a bad entry', () => {
  for (const [list, entry, field] of [
    ['logs', 1, 'logs[0]'],
    ['logs', {}, 'logs[0]'],
    ['witnesses', 1, 'witnesses[0]'],
    ['witnesses', { name: 'w' }, 'witnesses[0]'],
    ['groups', 1, 'groups[0]'],
    ['groups', { name: 'g', threshold: 1 }, 'groups[0]'],
  ] as const) {
    it(`refuses ${list} holding ${JSON.stringify(entry)} with ERR_POLICY_INVALID naming ${field}`, () => {
      expect(() => formatPolicy({ ...policy, [list]: [entry] } as never)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', field }));
    });
  }
});
