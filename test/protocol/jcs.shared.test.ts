import { describe, expect, it } from 'vitest';
import { AegisLogValidationError, canonicalize, canonicalBytes } from '../../src/protocol/index.js';

function refusal(value: unknown): AegisLogValidationError {
  try {
    canonicalize(value);
  } catch (e) {
    expect(e).toBeInstanceOf(AegisLogValidationError);
    return e as AegisLogValidationError;
  }
  throw new Error('canonicalize accepted a value it must refuse');
}

describe('canonicalize refuses what JSON cannot carry, naming the path', () => {
  it.each([
    ['NaN', { a: NaN }, 'a'],
    ['Infinity', { a: { b: Infinity } }, 'a.b'],
    ['-Infinity', { list: [1, -Infinity] }, 'list[1]'],
    ['BigInt', { n: 10n }, 'n'],
    ['a lone high surrogate', { s: 'x\uD800' }, 's'],
    ['a lone low surrogate in a key', { ['k\uDC00']: 1 }, '$["k\\udc00"]'],
    ['an integer beyond 2^53', { big: 2 ** 53 }, 'big'],
    ['a negative integer beyond 2^53', { big: -(2 ** 60) }, 'big'],
    ['undefined in an array', { a: [1, undefined] }, 'a[1]'],
    ['a hole in an array', { a: [1, , 3] }, 'a[1]'],
    ['a function', { f: () => 1 }, 'f'],
    ['a symbol', { s: Symbol('x') }, 's'],
    ['a Date', { d: new Date(0) }, 'd'],
    ['a Map', { m: new Map() }, 'm'],
    ['a typed array', { b: new Uint8Array(2) }, 'b'],
  ])('%s', (_name, value, field) => {
    const e = refusal(value);
    expect(e.code).toBe('ERR_JCS_INVALID');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it('refuses a cycle but accepts a shared reference', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { inner: loop };
    expect(refusal(loop).field).toBe('self.inner');
  });

  it('accepts the largest safe integers and can lift the rule for plain RFC 8785', () => {
    expect(canonicalize([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])).toBe('[9007199254740991,-9007199254740991]');
    expect(canonicalize([1e30], { safeIntegersOnly: false })).toBe('[1e+30]');
  });
});

describe('canonical form', () => {
  it('sorts keys by UTF-16 code units, drops undefined members, writes -0 as 0', () => {
    // U+1F602 (UTF-16 D83D DE02) sorts before U+FB33, though its code point is larger.
    expect(canonicalize({ b: 1, a: undefined, '\uFB33': 2, '\uD83D\uDE02': 3, A: -0 })).toBe('{"A":0,"b":1,"😂":3,"\uFB33":2}');
  });
  it('escapes only what RFC 8785 escapes, with lower-case hex', () => {
    expect(canonicalize('\u0000\u001f\b\t\n\f\r"\\/\u2028\u007f')).toBe('"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u2028\u007f"');
  });
  it('formats numbers as ECMAScript does', () => {
    expect(canonicalize([1e-7, 0.1 + 0.2, 1e21 / 1e6, 5e-324, 1.5])).toBe('[1e-7,0.30000000000000004,1000000000000000,5e-324,1.5]');
  });
  it('accepts objects with a null prototype and encodes UTF-8', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.k = 'é';
    expect(Array.from(canonicalBytes(o))).toEqual([123, 34, 107, 34, 58, 34, 0xc3, 0xa9, 34, 125]);
  });
});
