// statementBytes writes a receipt statement from a fixed template instead of the general
// canonicalizer; it must give the same bytes as C(statement) for every string RFC 8785 allows,
// and refuse (through the canonicalizer) what it refuses.
import { describe, expect, test } from 'vitest';
import { canonicalBytes, receiptStatementOf, statementBytes } from '../../src/protocol/index.js';
import type { ReceiptStatement } from '../../src/protocol/index.js';

const base: ReceiptStatement = {
  v: 1,
  tenant_id: 'acme',
  event_id: 'evt-1',
  digest_b64url: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
  received_at: '2026-12-01T20:00:00.000Z',
  key_id: 'k1',
  signing_alg: 'ECDSA_SHA_256',
};

/** Strings that exercise every escape JSON.stringify and JCS share, and some that need none. */
const strings = [
  '',
  'plain',
  'quote " and backslash \\',
  'controls \u0000\u0001\u0008\u0009\u000a\u000c\u000d\u001f\u007f',
  'line separators \u2028\u2029',
  'non-ASCII é ß 中文 🙂',
  'surrogate pair \ud83d\ude00',
  '</script>',
];

describe('statementBytes', () => {
  test.each(['tenant_id', 'event_id', 'digest_b64url', 'received_at', 'key_id'] as const)('equals C(statement) for every kind of %s', (field) => {
    for (const s of strings) {
      const statement = { ...base, [field]: s };
      expect(new TextDecoder().decode(statementBytes(statement))).toBe(new TextDecoder().decode(canonicalBytes(receiptStatementOf(statement))));
    }
  });

  test('seeded random strings of any code unit but lone surrogates: the same bytes', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const units: number[] = [];
      for (let j = next() % 12; j > 0; j--) {
        const u = next() % 0x10000;
        if (u >= 0xd800 && u <= 0xdfff) units.push(0xd83d, 0xde00);
        else units.push(u);
      }
      const statement = { ...base, event_id: String.fromCharCode(...units) };
      expect(statementBytes(statement)).toEqual(canonicalBytes(receiptStatementOf(statement)));
    }
  });

  test('a lone surrogate or a field that is not a string is refused, as the canonicalizer refuses it', () => {
    expect(() => statementBytes({ ...base, event_id: 'a\ud800b' })).toThrow(/lone surrogate/);
    expect(() => statementBytes({ ...base, v: 2 } as unknown as ReceiptStatement)).not.toThrow();
    expect(statementBytes({ ...base, v: 2 } as unknown as ReceiptStatement)).toEqual(canonicalBytes(receiptStatementOf({ ...base, v: 2 } as unknown as ReceiptStatement)));
  });
});
