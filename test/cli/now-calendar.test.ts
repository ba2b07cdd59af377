// `--now` is an RFC 3339 time (§5.6, with §5.7's ranges): a day its month does not have, or an
// hour 24, is not one. Date.parse rolls them over (02-30 is 03-02), and the audit would silently
// judge the cosignatures at another time than the one typed.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const BUNDLE = join(V, 'bundles/acme-bank-p0-leaf0.json');
const POLICY = ['--policy', join(V, 'policy-none.txt')];

describe('--now: a real calendar time', () => {
  it.each(['2026-02-30T00:00:00Z', '2026-02-29T12:00:00Z', '2026-04-31T00:00:00Z', '2026-12-06T24:00:00Z', '2026-12-06T23:59:00+00:60'])(
    '%s: exit 2, not an RFC 3339 time',
    async (now) => {
      const io = fakeIO();
      expect(await verifyCommand.run([BUNDLE, ...POLICY, '--now', now], io)).toBe(2);
      expect(io.stderr).toEqual([`aegislog verify: --now ${now}: not an RFC 3339 time`]);
      expect(io.stdout).toEqual([]);
    },
  );

  it.each(['2028-02-29T00:00:00Z', '2000-02-29T23:59:59.999+14:00', '2026-12-31t23:59:59z', '0000-02-29T00:00:00Z'])('%s is one: accepted', async (now) => {
    const io = fakeIO();
    expect(await verifyCommand.run([BUNDLE, ...POLICY, '--now', now], io)).toBe(0);
    expect(io.stderr).toEqual([]);
  });

  it('history refuses it alike', async () => {
    const io = fakeIO();
    expect(await historyCommand.run([join(V, 'histories', 'missing.json'), ...POLICY, '--now', '2026-02-30T00:00:00Z'], io)).toBe(2);
    expect(io.stderr).toEqual(['aegislog history: --now 2026-02-30T00:00:00Z: not an RFC 3339 time']);
  });
});
