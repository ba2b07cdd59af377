// The statement functions hash the JCS form of a fixed set of members (§3 receipt statement, §4.2 tenant head,
// PROTOCOL-v1.md §4 checkpoint). JCS drops an undefined member, so an object with a required member missing
// hashed a SHORTER statement: a hash of something the protocol never signs, instead of a refusal. Each now
// refuses a missing member with ERR_SCHEMA_INVALID naming it (a member that is null where null is allowed
// (prev_head_index, prev_b64url) is present and still hashed).
import { describe, expect, it } from 'vitest';
import {
  checkpointHash, checkpointStatementOf, receiptHash, receiptStatementOf, statementBytes, tenantHeadHash, tenantHeadOf,
} from '../../src/protocol/index.js';

const receipt = {
  v: 1, tenant_id: 't', event_id: 'e', digest_b64url: 'd', received_at: '2026-01-01T00:00:00.000Z', key_id: 'k', signing_alg: 'ECDSA_SHA_256',
};
const headV1 = { v: 1, tenant_id: 't', period_start: '2026-01-01T00:00:00.000Z', period_end: '2026-01-02T00:00:00.000Z', tree_size: 3, root_b64url: 'r' };
const headV2 = { ...headV1, v: 2, prev_tree_size: 0, prev_head_index: null };
const checkpoint = {
  v: 1, log_id: 'l', period_start: '2026-01-01T00:00:00.000Z', period_end: '2026-01-02T00:00:00.000Z', tree_size: 1, root_b64url: 'r',
  prev_b64url: null, sealed_at: '2026-01-02T00:00:01.000Z', key_id: 'k', signing_alg: 'ECDSA_SHA_256',
};
const without = (o: Record<string, unknown>, member: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== member));

const cases: [string, Record<string, unknown>, string, ((x: never) => unknown)[]][] = [
  ['receipt', receipt, 'receipt', [receiptStatementOf, receiptHash, statementBytes]],
  ['v1 tenant head', headV1, 'head', [tenantHeadOf, tenantHeadHash]],
  ['v2 tenant head', headV2, 'head', [tenantHeadOf, tenantHeadHash]],
  ['checkpoint', checkpoint, 'checkpoint', [checkpointStatementOf, checkpointHash]],
];

describe('statement functions given an object with a required member missing', () => {
  for (const [what, whole, name, fns] of cases) {
    for (const fn of fns) {
      it(`${fn.name} refuses a ${what} without any one of its members, naming it`, () => {
        expect(() => fn(whole as never)).not.toThrow();
        for (const member of Object.keys(whole).filter((m) => m !== 'v' || name !== 'head')) {
          expect(() => fn(without(whole, member) as never), member).toThrow(
            expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: `${name}.${member}`, message: `${name}.${member} is required` }),
          );
        }
        // An undefined value is as absent as a missing member (JCS drops both).
        const [first] = Object.keys(whole).filter((m) => m !== 'v');
        expect(() => fn({ ...whole, [first!]: undefined } as never)).toThrow(expect.objectContaining({ field: `${name}.${first}` }));
      });
    }
  }

  it('a head without v is refused as one (not hashed as a v2 head of seven members)', () => {
    expect(() => tenantHeadHash(without(headV2, 'v') as never)).toThrow(expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: 'head.v' }));
  });
});
