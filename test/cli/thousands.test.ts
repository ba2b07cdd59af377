import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/cli/thousands.js';

describe('thousands', () => {
  it('writes integers as toLocaleString("en-US") does', () => {
    const values = [0, 1, 12, 999, 1000, 1001, 99_999, 100_000, 1_000_000, 1_234_567, 10_000_000, 2 ** 31, 2 ** 53 - 1];
    for (let n = 1; n < 1e16; n = n * 7 + 3) values.push(n);
    for (const n of values) expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });
});
