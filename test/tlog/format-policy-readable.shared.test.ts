// formatPolicy promises "policy text that parsePolicy reads back". Given a policy built in code (its
// types are public) whose quorum names no witness, whose group lists an undefined member, whose witness
// name holds a space, or that lists one witness key twice, it wrote the text without a word, and the
// auditor handed that file could not load it. It now refuses, ERR_POLICY_INVALID naming the entry.
import { describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy, type Policy } from '../../src/tlog/policy.js';
import { NoteKeyType, parseVkey, verifierKey } from '../../src/tlog/vkey.js';
import { EXAMPLE_VKEY } from './examples.js';

const wkey = (i: number) => verifierKey(`w${i}.example`, NoteKeyType.CosignatureV1, Uint8Array.from({ length: 32 }, () => i));
const log = parseVkey(EXAMPLE_VKEY);
const base: Policy = {
  logs: [log],
  witnesses: [{ name: 'w1', key: wkey(1) }, { name: 'w2', key: wkey(2) }],
  groups: [{ name: 'both', threshold: 2, members: ['w1', 'w2'] }],
  quorum: { kind: 'group', name: 'both', threshold: 2, members: [{ kind: 'witness', name: 'w1' }, { kind: 'witness', name: 'w2' }] },
};

describe('formatPolicy of a policy parsePolicy would refuse', () => {
  for (const [what, policy, field] of [
    ['a quorum naming no witness', { ...base, quorum: { kind: 'witness', name: 'w3' } }, 'quorum'],
    ['a group listing an undefined member', { ...base, groups: [{ name: 'both', threshold: 2, members: ['w1', 'w9'] }] }, 'groups[0]'],
    ['a witness name with a space', { ...base, witnesses: [base.witnesses[0]!, { name: 'w 2', key: wkey(2) }] }, 'witnesses[1]'],
    ['one witness key listed twice', { ...base, witnesses: [base.witnesses[0]!, { name: 'w2', key: wkey(1) }] }, 'witnesses[1]'],
    ['a log URL with a space', { ...base, logs: [{ ...log, url: 'https://log.example/ x' }] }, 'logs[0]'],
  ] as const) {
    it(`refuses ${what}, naming ${field}`, () => {
      expect(() => formatPolicy(policy as Policy)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', field }));
    });
  }

  it('still writes a good policy that parsePolicy reads back the same', () => {
    const text = formatPolicy(base);
    expect(parsePolicy(text)).toEqual(parsePolicy(formatPolicy(parsePolicy(text))));
    expect(parsePolicy(text).quorum).toEqual(base.quorum);
  });
});
