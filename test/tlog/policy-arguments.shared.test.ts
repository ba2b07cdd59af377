// formatPolicy, quorumSatisfied and describeQuorum handed something that is not a policy or a quorum rule (a JavaScript
// caller's undefined, null, {}, a number): each threw a raw TypeError ("policy.logs is not iterable", "Cannot read
// properties of undefined (reading 'kind')"), where parsePolicy refuses such input with ERR_POLICY_INVALID naming it.
import { describe, expect, it } from 'vitest';
import { describeQuorum, formatPolicy, parsePolicy, quorumSatisfied } from '../../src/verify/index.js';
import { NoteKeyType, verifierKey } from '../../src/tlog/vkey.js';

const BAD = [undefined, null, {}, 42, 'quorum none'];
const policy = parsePolicy('quorum none\n');

describe('policy functions given what is not a policy', () => {
  it.each(BAD)('formatPolicy(%j) throws ERR_POLICY_INVALID naming the policy', (value) => {
    expect(() => formatPolicy(value as never)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', field: 'policy' }));
  });

  it.each(BAD)('quorumSatisfied(%j, names) throws ERR_POLICY_INVALID', (value) => {
    expect(() => quorumSatisfied(value as never, new Set())).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }));
  });

  it.each([undefined, null, {}, 42])('quorumSatisfied(policy, %j) throws ERR_CONFIG naming the witnesses', (names) => {
    const key = verifierKey('w1.example', NoteKeyType.CosignatureV1, new Uint8Array(32).fill(1)).text;
    const witnessed = parsePolicy(`witness w1 ${key}\nquorum w1\n`);
    expect(() => quorumSatisfied(witnessed, names as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'cosignedWitnessNames' }));
  });

  it.each([...BAD, { kind: 'group', name: 'g', threshold: 1 }, { kind: 'witness' }, { kind: 'other' }])('describeQuorum(%j) throws ERR_POLICY_INVALID naming the quorum', (value) => {
    expect(() => describeQuorum(value as never)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', field: 'quorum' }));
  });

  it('a policy and its quorum are still read', () => {
    expect(formatPolicy(policy)).toBe('quorum none\n');
    expect(quorumSatisfied(policy, new Set())).toBe(true);
    expect(describeQuorum(policy.quorum)).toBe('none');
  });
});
