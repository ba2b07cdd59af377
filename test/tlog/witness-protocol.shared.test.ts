import { describe, expect, it } from 'vitest';
import { b64Encode } from '../../src/protocol/index.js';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { parseNote } from '../../src/tlog/note.js';
import { MAX_PROOF_LINES, formatAddCheckpoint, parseAddCheckpoint, parseTlogSize } from '../../src/tlog/witness-protocol.js';
import { thrownCode as code } from './examples.js';

// tlog-witness.md, "Example request body", byte for byte.
const SPEC_BODY =
  'old 20852014\n' +
  'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n' +
  'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n' +
  '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n' +
  '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n' +
  '\n' +
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
  '— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n';


describe('tlog-witness add-checkpoint body', () => {
  it('reads the tlog-witness example, and formatAddCheckpoint writes it back byte for byte', () => {
    const r = parseAddCheckpoint(SPEC_BODY);
    expect([r.oldSize, r.proof.length]).toEqual([20852014, 4]);
    expect(parseCheckpoint(parseNote(r.note).text).size).toBe(20852163);
    expect(parseNote(r.note).signatures).toHaveLength(2);
    expect(b64Encode(r.proof[2]!)).toBe('5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=');
    expect(formatAddCheckpoint(r.oldSize, r.proof, r.note)).toBe(SPEC_BODY);
  });

  it.each([
    ['no blank line', 'old 0\n'],
    ['no old line', '\nnote'],
    ['"old" misspelt', 'olds 0\n\nnote'],
    ['a leading zero', 'old 05\n\nnote'],
    ['a tab', 'old\t5\n\nnote'],
    ['two spaces', 'old  5\n\nnote'],
    ['a size beyond 2^53−1', 'old 9007199254740992\n\nnote'],
    ['a proof line that is not a hash', 'old 5\nAAAA\n\nnote'],
    ['a proof line with whitespace', `old 5\n ${b64Encode(new Uint8Array(32))}\n\nnote`],
    [`${MAX_PROOF_LINES + 1} proof lines`, `old 5\n${`${b64Encode(new Uint8Array(32))}\n`.repeat(MAX_PROOF_LINES + 1)}\nnote`],
  ])('refuses %s with ERR_WITNESS_REQUEST', (_why, body) => expect(code(() => parseAddCheckpoint(body))).toBe('ERR_WITNESS_REQUEST'));

  it(`takes ${MAX_PROOF_LINES} proof lines`, () => {
    expect(parseAddCheckpoint(`old 5\n${`${b64Encode(new Uint8Array(32))}\n`.repeat(MAX_PROOF_LINES)}\nnote`).proof).toHaveLength(MAX_PROOF_LINES);
  });

  it('reads a text/x.tlog.size answer', () => {
    expect(parseTlogSize('20852014\n')).toBe(20852014);
    for (const bad of ['20852014', '020\n', '-1\n', ' 1\n', '1\n\n']) expect(code(() => parseTlogSize(bad))).toBe('ERR_WITNESS_REQUEST');
  });

  it('formatAddCheckpoint refuses a bad old size or a hash of the wrong length', () => {
    expect(code(() => formatAddCheckpoint(-1, [], 'n'))).toBe('ERR_WITNESS_REQUEST');
    expect(code(() => formatAddCheckpoint(1, [new Uint8Array(31)], 'n'))).toBe('ERR_WITNESS_REQUEST');
  });

  it('formatAddCheckpoint refuses a proof that is not an array, or a note that is not text, naming the field', () => {
    expect(() => formatAddCheckpoint(1, null as never, 'n')).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_REQUEST', field: 'proof' }));
    expect(() => formatAddCheckpoint(1, 'AAAA' as never, 'n')).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_REQUEST', field: 'proof' }));
    for (const note of [undefined, 5, new Uint8Array(3)]) {
      expect(() => formatAddCheckpoint(1, [], note as never)).toThrow(expect.objectContaining({ code: 'ERR_WITNESS_REQUEST', field: 'note' }));
    }
  });
});
