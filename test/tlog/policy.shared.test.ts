import { describe, expect, it } from 'vitest';
import policy1of2 from '../vectors/aegislog-v2/policy-1of2.txt?raw';
import policy2of2 from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import policyNone from '../vectors/aegislog-v2/policy-none.txt?raw';
import { describeQuorum, formatPolicy, parsePolicy, quorumSatisfied, type Policy } from '../../src/tlog/policy.js';
import { NoteKeyType, verifierKey } from '../../src/tlog/vkey.js';
import { EXAMPLE_VKEY } from './examples.js';

// Distinct cosigner keys: any 32 bytes make a vkey here (the curve point is checked by verify/).
const wkey = (i: number) => verifierKey(`w${i}.example`, NoteKeyType.CosignatureV1, Uint8Array.from({ length: 32 }, () => i)).text;
const LOG = 'log ' + EXAMPLE_VKEY;

function fails(text: string): { code?: string; field?: string; message: string } {
  try {
    parsePolicy(text);
  } catch (error) {
    return error as never;
  }
  throw new Error('parsed');
}

describe('parsePolicy', () => {
  it('reads the three vector policies', () => {
    const none = parsePolicy(policyNone);
    expect(none.logs.map((l) => l.type)).toEqual([0x02, 0x01]);
    expect(none.witnesses).toEqual([]);
    expect(none.quorum).toEqual({ kind: 'none' });
    const one = parsePolicy(policy1of2);
    expect(one.witnesses.map((w) => [w.name, w.key.name])).toEqual([['w1', 'witness.alpha.example/w1'], ['w2', 'witness.beta.example/w2']]);
    expect(one.quorum).toMatchObject({ kind: 'group', name: 'either', threshold: 1 });
    expect(parsePolicy(policy2of2).quorum).toMatchObject({ kind: 'group', name: 'both', threshold: 2 });
  });

  it('reads the tlog-policy example shape: nested groups, all/any/k, URLs, comments, tabs and blank lines', () => {
    const text = [
      '# comment',
      `  ${LOG}   https://log.example/  `,
      '',
      `witness X1 ${wkey(1)}`,
      `witness X2 ${wkey(2)} https://x2.example/`,
      `\twitness\tX3\t${wkey(3)}`,
      'group X-witnesses 2 X1 X2 X3',
      '   # indented comment',
      `witness Y1 ${wkey(4)}`,
      `witness Y2 ${wkey(5)}`,
      `witness Y3 ${wkey(6)}`,
      'group Y-witnesses any Y1 Y2 Y3',
      'group X-and-Y all X-witnesses Y-witnesses',
      'quorum X-and-Y',
    ].join('\n');
    const p = parsePolicy(text);
    expect(p.logs[0]!.url).toBe('https://log.example/');
    expect(p.witnesses[1]!.url).toBe('https://x2.example/');
    expect(p.groups.map((g) => [g.name, g.threshold, g.members.length])).toEqual([['X-witnesses', 2, 3], ['Y-witnesses', 1, 3], ['X-and-Y', 2, 2]]);
    expect(describeQuorum(p.quorum)).toBe('X-and-Y = all of (X-witnesses = 2 of (X1, X2, X3), Y-witnesses = any of (Y1, Y2, Y3))');
    const q = (...names: string[]) => quorumSatisfied(p, new Set(names));
    expect(q('X1', 'X2', 'Y3')).toBe(true);
    expect(q('X1', 'X3', 'Y1', 'Y2')).toBe(true);
    expect(q('X1', 'Y1', 'Y2', 'Y3')).toBe(false); // one X
    expect(q('X1', 'X2', 'X3')).toBe(false); // no Y
    expect(q()).toBe(false);
    expect(q('X-witnesses', 'Y-witnesses')).toBe(false); // group names are not cosigners
    expect(parsePolicy(formatPolicy(p))).toEqual(p);
  });

  it('quorum edge cases: none, a single witness, k = n, k = 1', () => {
    const base = `${LOG}\nwitness a ${wkey(1)}\nwitness b ${wkey(2)}\nwitness c ${wkey(3)}\n`;
    const none = parsePolicy(`${base}quorum none\n`);
    expect(quorumSatisfied(none, new Set())).toBe(true);
    const single = parsePolicy(`${base}quorum b\n`);
    expect([quorumSatisfied(single, new Set(['b'])), quorumSatisfied(single, new Set(['a', 'c']))]).toEqual([true, false]);
    const all = parsePolicy(`${base}group g 3 a b c\nquorum g\n`);
    expect([quorumSatisfied(all, new Set(['a', 'b', 'c'])), quorumSatisfied(all, new Set(['a', 'b']))]).toEqual([true, false]);
    const two = parsePolicy(`${base}group g 2 a b c\nquorum g`); // no final newline: read the same
    expect([...'ab,bc,ac,a,b,c'.split(',')].map((s) => quorumSatisfied(two, new Set(s)))).toEqual([true, true, true, false, false, false]);
    expect(quorumSatisfied(parsePolicy(`${base}group g any c\nquorum g\n`), new Set(['c']))).toBe(true);
  });

  it('a policy of witnesses alone (no log line) is allowed by tlog-policy', () => {
    expect(parsePolicy(`witness a ${wkey(1)}\nquorum a\n`).logs).toEqual([]);
  });

  // Each syntax error, named by its line.
  const W = `witness a ${wkey(1)}\nwitness b ${wkey(2)}\n`;
  const errors: [string, string, number, RegExp][] = [
    ['no quorum', `${LOG}\n`, 0, /no quorum line/],
    ['two quorum lines', `${W}quorum a\nquorum b\n`, 4, /second quorum/],
    ['an unknown keyword', `${LOG}\nwitnesses a ${wkey(1)}\nquorum none\n`, 2, /unknown keyword "witnesses"/],
    ['a log line without a key', 'log\nquorum none\n', 1, /expected "log <vkey>/],
    ['a log line with two URLs', `${LOG} u1 u2\nquorum none\n`, 1, /expected "log/],
    ['a bad vkey', 'log example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\nquorum none\n', 1, /does not match its key/],
    ['a duplicate log key', `${LOG}\n${LOG}\nquorum none\n`, 2, /duplicate log/],
    ['a witness without a key', `witness a\nquorum none\n`, 1, /expected "witness/],
    ['a witness key of log type 0x01', `witness a ${EXAMPLE_VKEY}\nquorum none\n`, 1, /not a cosignature type/],
    ['a duplicate witness name', `${W}witness a ${wkey(3)}\nquorum none\n`, 3, /duplicate name "a"/],
    ['a duplicate witness key', `${W}witness c ${wkey(1)}\nquorum none\n`, 3, /duplicate witness/],
    ['a witness named none', `witness none ${wkey(1)}\nquorum none\n`, 1, /predefined/],
    ['a group named none', `${W}group none any a\nquorum none\n`, 3, /predefined/],
    ['a group named like a witness', `${W}group a any b\nquorum none\n`, 3, /duplicate name "a"/],
    ['a group without members', `${W}group g any\nquorum none\n`, 3, /expected "group/],
    ['threshold 0', `${W}group g 0 a b\nquorum g\n`, 3, /from 1 to the number of members/],
    ['threshold above n', `${W}group g 3 a b\nquorum g\n`, 3, /threshold 3 is above the 2 members/],
    ['a threshold with a leading zero', `${W}group g 01 a b\nquorum g\n`, 3, /leading zeros/],
    ['a threshold that is a word', `${W}group g some a b\nquorum g\n`, 3, /not all, any or a decimal/],
    ['a negative threshold', `${W}group g -1 a b\nquorum g\n`, 3, /not all, any or a decimal/],
    ['a member defined later', `group g any a\n${W}quorum g\n`, 1, /"a" is not defined on a line above/],
    ['an undefined member', `${W}group g any a c\nquorum g\n`, 3, /"c" is not defined/],
    ['none as a member', `${W}group g any a none\nquorum g\n`, 3, /"none" cannot be a group member/],
    ['a member twice in one group', `${W}group g 2 a a\nquorum g\n`, 3, /already a member of "g"/],
    ['a member of two groups', `${W}group g any a\ngroup h any a b\nquorum h\n`, 4, /already a member of "g"/],
    ['a quorum defined later', `quorum a\n${W}`, 1, /"a" is not defined/],
    ['a quorum of an unknown name', `${W}quorum c\n`, 3, /"c" is not defined/],
    ['a quorum with two names', `${W}quorum a b\n`, 3, /expected "quorum <name>"/],
    ['a carriage return', `${W}quorum a\r\n`, 3, /carriage return/],
    ['a control character', `${W}quorum a\u0001\n`, 3, /control character 0x01/],
    ['DEL', `${W}quorum a\u007f\n`, 3, /control character 0x7f/],
    ['a vertical tab as whitespace', `${W}quorum\u000ba\n`, 3, /control character 0x0b/],
  ];
  for (const [why, text, line, message] of errors) {
    it(`names ${why}${line ? ` (line ${line})` : ''}`, () => {
      const error = fails(text);
      expect(error.code).toBe('ERR_POLICY_INVALID');
      expect(error.message).toMatch(message);
      if (line) expect([error.field, error.message.startsWith(`policy line ${line}: `)]).toEqual([`line ${line}`, true]);
    });
  }

  it('refuses what is not a string', () => {
    expect(fails(undefined as unknown as string).code).toBe('ERR_POLICY_INVALID');
  });

  it('treats non-ASCII names as opaque (K and the Kelvin sign are two names)', () => {
    const p = parsePolicy(`witness K ${wkey(1)}\nwitness \u212a ${wkey(2)}\ngroup g all K \u212a\nquorum g\n`);
    expect(p.witnesses.map((w) => w.name)).toEqual(['K', '\u212a']);
    expect(quorumSatisfied(p, new Set(['K']))).toBe(false);
  });

  it('keeps within its limits: 256 witnesses, not 257', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `witness w${i} ${verifierKey(`w${i}`, 0x04, Uint8Array.from({ length: 32 }, (_, j) => (j < 2 ? i >> (8 * j) : 7) & 0xff)).text}`);
    expect(parsePolicy(`${lines(256).join('\n')}\nquorum w0\n`).witnesses).toHaveLength(256);
    expect(fails(`${lines(257).join('\n')}\nquorum w0\n`).message).toMatch(/more than 256 witnesses/);
  });
});

describe('quorumSatisfied', () => {
  it('evaluates a hand-built rule (what policyFromKeys and NoteTrust make)', () => {
    const p: Pick<Policy, 'quorum'> = { quorum: { kind: 'group', name: 'g', threshold: 2, members: [{ kind: 'witness', name: 'a' }, { kind: 'witness', name: 'b' }, { kind: 'group', name: 'h', threshold: 1, members: [{ kind: 'witness', name: 'c' }] }] } };
    expect(quorumSatisfied(p, new Set(['a', 'c']))).toBe(true);
    expect(quorumSatisfied(p, new Set(['c']))).toBe(false);
  });
});
