// canonicalize and canonicalBytes are public: null options read as no options (as importPublicKey and
// verifyEvidence read them), so evidence keeps the safe-integer rule, not a TypeError on `safeIntegersOnly`.
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize } from '../../src/protocol/index.js';

describe('canonicalize with null options', () => {
  it('writes the JCS form as with no options', () => {
    expect(canonicalize({ b: 1, a: [true, null] }, null as never)).toBe('{"a":[true,null],"b":1}');
    expect(new TextDecoder().decode(canonicalBytes({ b: 1, a: 'x' }, null as never))).toBe('{"a":"x","b":1}');
  });

  it('keeps the safe-integer rule of PROTOCOL.md §1', () => {
    expect(() => canonicalize({ n: 2 ** 53 }, null as never)).toThrow(expect.objectContaining({ code: 'ERR_JCS_INVALID', field: 'n' }));
  });
});
