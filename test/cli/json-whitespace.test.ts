// JSON's whitespace is space, tab, LF and CR (RFC 8259 §2); a byte order mark is allowed at the very
// start of a file only (§8.1). `verify` read a bundle file as `history` and the others read theirs:
// a second BOM, or a no-break space around the bundle, is not JSON (docs/cli.md, "Text is UTF-8").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const POLICY = ['--policy', join(V, 'policy-none.txt')];
const bundle = readFileSync(join(V, 'bundles/acme-bank-p0-leaf0.json'), 'utf8').trim();
const line = JSON.stringify(JSON.parse(bundle)); // one bundle, as an NDJSON line
const dir = mkdtempSync(join(tmpdir(), 'aegislog-json-space-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('verify: only JSON whitespace around a bundle', () => {
  it.each([
    ['two byte order marks', `\ufeff\ufeff${bundle}\n`],
    ['a no-break space after the bundle', `${bundle}\u00a0\n`],
    ['an ideographic space before it', `\u3000${bundle}`],
    ['an NDJSON line of a no-break space', `${line}\n\u00a0\n${line}\n`],
  ])('%s: not JSON, exit 2', async (name, text) => {
    const io = fakeIO();
    expect(await verifyCommand.run([file(`${name}.json`, text), ...POLICY], io)).toBe(2);
    expect(io.stderr).toEqual([expect.stringMatching(/ is not valid JSON \(/)]);
    expect(io.stdout).toEqual([]);
  });

  it('history says the same of a second byte order mark', async () => {
    const io = fakeIO();
    expect(await historyCommand.run([file('history.json', `\ufeff\ufeff${readFileSync(join(V, 'histories/history-range.json'), 'utf8')}`), ...POLICY], io)).toBe(2);
    expect(io.stderr).toEqual([expect.stringMatching(/ is not valid JSON \(/)]);
  });

  it.each([
    ['one byte order mark at the start, CRLF line ends', `\ufeff${bundle}\r\n\r\n`],
    ['NDJSON with CRLF and a blank line', `${line}\r\n\r\n \t\r\n${line}\r\n`],
  ])('%s: read', async (name, text) => {
    const io = fakeIO();
    expect(await verifyCommand.run([file(`${name}.json`, text), ...POLICY], io)).toBe(0);
    expect(io.stderr).toEqual([]);
  });
});
