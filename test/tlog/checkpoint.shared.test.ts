import { describe, expect, it } from 'vitest';
import { b64Encode, hexEncode } from '../../src/protocol/index.js';
import { EMPTY_TREE_ROOT, formatCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.js';
import {
  cosignatureV1Message, formatTimestampedSignature, parseTimestampedSignature, subtreeV1Message,
} from '../../src/tlog/cosignature.js';
import { parseNote } from '../../src/tlog/note.js';
import { SOFA_NOTE, SOFA_TEXT, thrownCode as code } from './examples.js';

const ROOT = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

describe('parseCheckpoint', () => {
  it('reads the tlog-checkpoint example', () => {
    const c = parseCheckpoint(SOFA_TEXT);
    expect(c).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, text: SOFA_TEXT, extensions: [] });
    expect(b64Encode(c.root)).toBe(ROOT);
    expect(formatCheckpoint(c.origin, c.size, c.root)).toBe(SOFA_TEXT);
  });

  it('reads size 0 and the empty tree root', () => {
    expect(hexEncode(EMPTY_TREE_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(parseCheckpoint(`o\n0\n${b64Encode(EMPTY_TREE_ROOT)}\n`).size).toBe(0);
  });

  it('refuses extension lines (PROTOCOL.md §4.4) unless allowed, and an empty one always', () => {
    const ext = `${SOFA_TEXT}ext one\next two\n`;
    expect(code(() => parseCheckpoint(ext))).toBe('ERR_CHECKPOINT_INVALID');
    expect(parseCheckpoint(ext, { extensions: true }).extensions).toEqual(['ext one', 'ext two']);
    expect(code(() => parseCheckpoint(`${SOFA_TEXT}\next\n`, { extensions: true }))).toBe('ERR_CHECKPOINT_INVALID');
  });

  it('accepts an origin with spaces (tlog-checkpoint: only non-empty), as sum.golang.org\'s "go.sum database tree"', () => {
    expect(parseCheckpoint(`go.sum database tree\n1\n${ROOT}\n`).origin).toBe('go.sum database tree');
    expect(code(() => formatCheckpoint('go.sum database tree', 1, new Uint8Array(32)))).toBe('ERR_CHECKPOINT_INVALID'); // this log signs under its origin
  });

  it.each([
    ['two lines', `o\n1\n`],
    ['no final newline', `o\n1\n${ROOT}`],
    ['an empty origin', `\n1\n${ROOT}\n`],
    ['a size with a leading zero', `o\n01\n${ROOT}\n`],
    ['a negative size', `o\n-1\n${ROOT}\n`],
    ['a size with a plus', `o\n+1\n${ROOT}\n`],
    ['a size in hex', `o\n0x10\n${ROOT}\n`],
    ['a size beyond 2^53−1', `o\n9007199254740992\n${ROOT}\n`],
    ['an empty size', `o\n\n${ROOT}\n`],
    ['a root of 31 bytes', `o\n1\n${b64Encode(new Uint8Array(31))}\n`],
    ['a root of 33 bytes', `o\n1\n${b64Encode(new Uint8Array(33))}\n`],
    ['an unpadded root', `o\n1\n${ROOT.slice(0, -1)}\n`],
    ['a base64url root', `o\n1\n${ROOT.replace('/', '_')}\n`],
    ['a root with non-zero trailing bits', `o\n1\n${ROOT.slice(0, 42)}J=\n`],
    ['a control character', `o\u0001\n1\n${ROOT}\n`],
    ['CRLF', `o\r\n1\r\n${ROOT}\r\n`],
  ])('refuses %s with ERR_CHECKPOINT_INVALID', (_why, text) => expect(code(() => parseCheckpoint(text))).toBe('ERR_CHECKPOINT_INVALID'));

  it('reads the largest size it handles, 2^53−1', () => {
    expect(parseCheckpoint(`o\n9007199254740991\n${ROOT}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('formatCheckpoint refuses a bad size or root', () => {
    expect(code(() => formatCheckpoint('o', -1, new Uint8Array(32)))).toBe('ERR_CHECKPOINT_INVALID');
    expect(code(() => formatCheckpoint('o', 1.5, new Uint8Array(32)))).toBe('ERR_CHECKPOINT_INVALID');
    expect(code(() => formatCheckpoint('o', 1, new Uint8Array(31)))).toBe('ERR_CHECKPOINT_INVALID');
  });
});

describe('cosignature messages', () => {
  it('cosignature/v1 is the tlog-cosignature signed-message example byte for byte', () => {
    const example = 'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(new TextDecoder().decode(cosignatureV1Message(SOFA_TEXT, 1679315147))).toBe(example);
  });

  it('the example cosignature frames as key ID, timestamp 1679315147 and 64 signature bytes', () => {
    const sig = parseNote(SOFA_NOTE).signatures[1]!;
    const { timestamp, signature } = parseTimestampedSignature(sig.signature, 0x04);
    expect(timestamp).toBe(1679315147);
    expect(signature).toHaveLength(64);
    expect(formatTimestampedSignature(timestamp, signature)).toEqual(sig.signature);
  });

  it('cosignature/v1 signs extension lines too (tlog-cosignature "MUST be included")', () => {
    const text = `${SOFA_TEXT}ext\n`;
    expect(new TextDecoder().decode(cosignatureV1Message(text, 1))).toBe(`cosignature/v1\ntime 1\n${text}`);
  });

  it('subtree/v1 lays out the cosigned_message structure', () => {
    const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
    const m = subtreeV1Message({ cosigner: 'w', timestamp: 0x0102, origin: 'log', start: 0, end: 5, hash });
    expect(hexEncode(m)).toBe(
      hexEncode(new TextEncoder().encode('subtree/v1\n\0')) + '01' + '77' + '0000000000000102' + '03' + '6c6f67' +
        '0000000000000000' + '0000000000000005' + hexEncode(hash),
    );
    expect(m).toHaveLength(12 + 2 + 8 + 4 + 8 + 8 + 32);
  });

  it.each([
    ['a start with a timestamp', { start: 2, end: 4, timestamp: 1 }],
    ['start above end', { start: 4, end: 2, timestamp: 0 }],
    ['an empty cosigner name', { cosigner: '' }],
    ['a 256-byte origin', { origin: 'o'.repeat(256) }],
    ['a 31-byte hash', { hash: new Uint8Array(31) }],
    ['a negative timestamp', { timestamp: -1 }],
  ])('subtree/v1 refuses %s', (_why, change) => {
    const base = { cosigner: 'w', timestamp: 1, origin: 'log', start: 0, end: 5, hash: new Uint8Array(32) };
    expect(code(() => subtreeV1Message({ ...base, ...change }))).toBe('ERR_NOTE_INVALID');
  });

  it('parseTimestampedSignature refuses wrong lengths and timestamps beyond 2^63−1', () => {
    expect(code(() => parseTimestampedSignature(new Uint8Array(71), 0x04))).toBe('ERR_NOTE_INVALID');
    expect(code(() => parseTimestampedSignature(new Uint8Array(73), 0x04))).toBe('ERR_NOTE_INVALID');
    expect(code(() => parseTimestampedSignature(new Uint8Array(72), 0x06))).toBe('ERR_NOTE_INVALID');
    expect(parseTimestampedSignature(new Uint8Array(8 + 2420), 0x06).timestamp).toBe(0);
    const big = new Uint8Array(72);
    big[0] = 0x80;
    expect(code(() => parseTimestampedSignature(big, 0x04))).toBe('ERR_NOTE_INVALID');
  });
});
