// formatPolicy writes one line per entry. A URL or name holding a newline (a value read from a config
// file or an environment variable) split its line in two, and what followed was read as a line of its
// own: a log URL of "https://log.example/\nwitness w9 <vkey>" wrote a policy that parsePolicy reads with
// a witness nobody listed, a line injected into the trust an auditor pins. It is refused, naming the entry.
import { describe, expect, it } from 'vitest';
import { formatPolicy, type Policy } from '../../src/tlog/policy.js';
import { NoteKeyType, parseVkey, verifierKey } from '../../src/tlog/vkey.js';
import { EXAMPLE_VKEY } from './examples.js';

const wkey = (i: number) => verifierKey(`w${i}.example`, NoteKeyType.CosignatureV1, Uint8Array.from({ length: 32 }, () => i));
const log = parseVkey(EXAMPLE_VKEY);
const base: Policy = { logs: [log], witnesses: [{ name: 'w1', key: wkey(1) }], groups: [], quorum: { kind: 'witness', name: 'w1' } };

describe('formatPolicy of an entry holding a newline', () => {
  for (const [what, policy, field] of [
    ['a log URL that adds a witness', { ...base, logs: [{ ...log, url: `https://log.example/\nwitness w9 ${wkey(9).text}` }] }, 'logs[0]'],
    ['a witness URL that adds a log', { ...base, witnesses: [{ ...base.witnesses[0]!, url: `https://w1.example/\nlog ${wkey(8).text}` }] }, 'witnesses[0]'],
    ['a witness URL that ends in a newline', { ...base, witnesses: [{ ...base.witnesses[0]!, url: 'https://w1.example/\n' }] }, 'witnesses[0]'],
  ] as const) {
    it(`refuses ${what}, naming ${field}`, () => {
      expect(() => formatPolicy(policy as unknown as Policy)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', field }));
    });
  }
});
