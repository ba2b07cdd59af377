// The statement functions are public (aegislog, aegislog/verify): a receipt, head, checkpoint or JWK that
// is not an object (a caller's missing value, a JSON.parse of "null") must be refused as AegisLogError
// naming the argument, not as a TypeError reading `v` or `crv` of null.
import { describe, expect, it } from 'vitest';
import {
  checkpointHash, checkpointStatementOf, jwkThumbprint, receiptHash, receiptStatementOf, tenantHeadHash, tenantHeadOf,
} from '../../src/protocol/index.js';

const cases: [string, (x: never) => unknown, string, string][] = [
  ['receiptStatementOf', receiptStatementOf, 'ERR_SCHEMA_INVALID', 'receipt'],
  ['receiptHash', receiptHash, 'ERR_SCHEMA_INVALID', 'receipt'],
  ['tenantHeadOf', tenantHeadOf, 'ERR_SCHEMA_INVALID', 'head'],
  ['tenantHeadHash', tenantHeadHash, 'ERR_SCHEMA_INVALID', 'head'],
  ['checkpointStatementOf', checkpointStatementOf, 'ERR_SCHEMA_INVALID', 'checkpoint'],
  ['checkpointHash', checkpointHash, 'ERR_SCHEMA_INVALID', 'checkpoint'],
  ['jwkThumbprint', jwkThumbprint, 'ERR_KEY_INVALID', 'jwk'],
];

describe('statement functions given something that is not an object', () => {
  for (const [name, fn, code, field] of cases) {
    for (const value of [undefined, null, 5, 'receipt']) {
      it(`${name} refuses ${JSON.stringify(value) ?? 'undefined'} with ${code} naming ${field}`, () => {
        expect(() => fn(value as never)).toThrow(expect.objectContaining({ code, field, message: `${field} must be an object` }));
      });
    }
  }

  it('jwkThumbprint refuses a JWK whose members are not strings, rather than hashing "{}"', () => {
    expect(() => jwkThumbprint({} as never)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'jwk.crv' }));
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 5, y: 'b' } as never)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'jwk.x' }));
  });

  it('still reads well-formed values (RFC 7638 §3.1 example shape)', () => {
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const r = { v: 1, tenant_id: 't', event_id: 'e', digest_b64url: 'd', received_at: '2026-01-01T00:00:00.000Z', key_id: 'k', signing_alg: 'ECDSA_SHA_256', extra: 1 };
    expect(Object.keys(receiptStatementOf(r as never))).toHaveLength(7);
    expect(receiptHash(r as never)).toHaveLength(32);
  });
});
