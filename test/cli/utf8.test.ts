// Files that are not UTF-8, given to `aegislog verify`, `history` and `audit` (each of its modes):
// refused as unusable input (exit 2), naming the file, the line and the byte offset of the first bad
// sequence, never read with U+FFFD in place of the bad bytes. A lenient reading checked another text
// than the file holds: an event whose string held U+FFFD, with those three bytes replaced by one
// 0xFF, hashed the same and passed; a bundle saved as Latin-1 failed `digest` as if tampered with.
// A byte order mark at the very start of a file is accepted by every command.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Command } from '../../src/cli/command.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { clock, event, KEYS, start, type Running } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-utf8-'));
const save = (name: string, data: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const time = clock(Date.UTC(2026, 10, 28, 9, 0, 0));
const REPLACEMENT = [0xef, 0xbf, 0xbd]; // U+FFFD as UTF-8
const E_ACUTE = [0xc3, 0xa9]; // é as UTF-8
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// An event that holds U+FFFD (a client that logged text it could not decode), one with an é, and plain ones.
const replaced = event({ prompt: 'a byte it could not read: \uFFFD' });
const accented = event({ prompt: 'caf\u00e9' });
let server: Running;
let key: string;
let bundle: string;
let latin: string;
let history: string;
let exported: string;

beforeAll(async () => {
  server = await start({ now: time.now, period: 3600 });
  for (const e of [event(), replaced, accented, event()]) expect((await server.call('/ingest', { key: KEYS.ingest, json: e })).status).toBe(200);
  time.advance(3600_000);
  expect((await server.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).status).toBe(200);
  key = save('keys.json', await (await server.call('/.well-known/aegislog/keys.json')).text());
  bundle = await (await server.call(`/evidence/${replaced.event_id}?tenant_id=acme`)).text();
  latin = await (await server.call(`/evidence/${accented.event_id}?tenant_id=acme`)).text();
  history = await (await server.call('/checkpoints')).text();
  const periodStart = (JSON.parse(history) as { checkpoints: { period_start: string }[] }).checkpoints[0]!.period_start;
  exported = await (await server.call(`/export?tenant_id=acme&period_start=${periodStart}&events=true`)).text();
});
afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `text` as UTF-8 with the first `from` sequence replaced by the bytes `to`, and where that is. */
function rewrite(text: string, from: number[], to: number[]): { bytes: Buffer; offset: number; line: number } {
  const bytes = Buffer.from(text);
  const offset = bytes.indexOf(Buffer.from(from));
  expect(offset).toBeGreaterThanOrEqual(0);
  const out = Buffer.concat([bytes.subarray(0, offset), Buffer.from(to), bytes.subarray(offset + from.length)]);
  return { bytes: out, offset, line: bytes.subarray(0, offset).toString().split('\n').length };
}

async function run(command: Command, args: string[], extra = {}) {
  const io = fakeIO(extra);
  const code = await command.run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const refusal = (command: string, where: string, line: number, offset: number) =>
  `aegislog ${command}: ${where} is not UTF-8: an invalid byte sequence at line ${line}, byte offset ${offset} (convert the file to UTF-8, e.g. with iconv)`;

describe('aegislog verify', () => {
  it('the genuine bundles pass, and so does one saved with a byte order mark', async () => {
    for (const [name, content] of [['genuine.json', bundle], ['latin-genuine.json', latin], ['bom.json', Buffer.concat([BOM, Buffer.from(bundle)])]] as const) {
      const { code, err } = await run(verifyCommand, [save(name, content), '--key', key]);
      expect(err, name).toEqual([]);
      expect(code, name).toBe(0);
    }
  });

  it('U+FFFD of the event rewritten as one byte 0xFF: not the signed bytes, refused (exit 2), though it read back to the signed event', async () => {
    const { bytes, offset, line } = rewrite(bundle, REPLACEMENT, [0xff]);
    const path = save('ff.json', bytes);
    const { code, out, err } = await run(verifyCommand, [path, '--key', key]);
    expect(out).toEqual([]);
    expect(err).toEqual([refusal('verify', path, line, offset)]);
    expect(code).toBe(2);
  });

  it('a bundle saved as Latin-1: unusable input (exit 2), not evidence that fails its digest check', async () => {
    const { bytes, offset } = rewrite(latin, E_ACUTE, [0xe9]);
    const path = save('latin1.json', bytes);
    const { code, err } = await run(verifyCommand, [path, '--key', key]);
    expect(err).toEqual([refusal('verify', path, 1, offset)]);
    expect(code).toBe(2);
  });

  it('names the line of NDJSON, reads stdin as "stdin", and refuses a --trusted note or a --key file alike', async () => {
    const ndjson = `${JSON.stringify(JSON.parse(latin))}\n${JSON.stringify(JSON.parse(bundle))}\n`;
    const many = rewrite(ndjson, REPLACEMENT, [0xff]);
    expect(many.line).toBe(2);
    const path = save('many.ndjson', many.bytes);
    expect(await run(verifyCommand, [path, '--key', key])).toMatchObject({ code: 2, err: [refusal('verify', path, 2, many.offset)] });
    expect(await run(verifyCommand, ['-', '--key', key], { stdin: Readable.from([many.bytes]) })).toMatchObject({ code: 2, err: [refusal('verify', 'stdin', 2, many.offset)] });

    const note = (JSON.parse(bundle) as { checkpoint: string }).checkpoint;
    const trusted = rewrite(note, [...Buffer.from('\n\n')], [0x0a, 0xc0, 0x0a]); // an overlong lead byte
    const trustedPath = save('trusted.note', trusted.bytes);
    expect(await run(verifyCommand, [save('b.json', bundle), '--key', key, '--trusted', trustedPath])).toMatchObject({
      code: 2, err: [refusal('verify', `--trusted ${trustedPath}`, 4, trusted.offset + 1)],
    });
    const keys = rewrite(readFileSync(key, 'utf8'), [...Buffer.from('"kty"')], [...Buffer.from('"k'), 0xed, 0xa0, 0x80, ...Buffer.from('ty"')]); // a surrogate
    const keyPath = save('keys-bad.json', keys.bytes);
    expect(await run(verifyCommand, [save('c.json', bundle), '--key', keyPath])).toMatchObject({ code: 2, err: [refusal('verify', `--key ${keyPath}`, keys.line, keys.offset + 2)] });
  });
});

describe('aegislog history', () => {
  it('a bad byte in a field no signature covers is refused (exit 2), not shown as U+FFFD under a passing verdict; a BOM is accepted', async () => {
    const doc = JSON.parse(history) as { checkpoints: { sealed_at: string }[] };
    const marked = JSON.stringify(doc).replace(doc.checkpoints[0]!.sealed_at, `${doc.checkpoints[0]!.sealed_at} \u00e9`);
    const { bytes, offset } = rewrite(marked, E_ACUTE, [0xe9]);
    const path = save('history-latin1.json', bytes);
    expect(await run(historyCommand, [path, '--key', key])).toMatchObject({ code: 2, out: [], err: [refusal('history', path, 1, offset)] });
    expect((await run(historyCommand, [save('history-bom.json', Buffer.concat([BOM, Buffer.from(history)])), '--key', key])).code).toBe(0);
  });
});

describe('aegislog audit EXPORT (version 2)', () => {
  it('a line with a bad byte is unusable input (exit 2) naming its line: not a failed entries check with a cascade of missing entries', async () => {
    expect((await run(auditCommand, [save('export.ndjson', exported), '--key', key])).code).toBe(0);
    const { bytes, offset, line } = rewrite(exported, REPLACEMENT, [0xff]);
    expect(line).toBeGreaterThan(1);
    const path = save('export-ff.ndjson', bytes);
    expect(await run(auditCommand, [path, '--key', key])).toMatchObject({ code: 2, out: [], err: [refusal('audit', path, line, offset)] });
    // The header is read the same way: not "the first line is not a JSON export header".
    const header = rewrite(exported, [...Buffer.from('"aegislog-export"')], [...Buffer.from('"aegislog-export'), 0xff, 0x22]);
    const headerPath = save('header-ff.ndjson', header.bytes);
    expect(await run(auditCommand, [headerPath, '--key', key])).toMatchObject({ code: 2, err: [refusal('audit', headerPath, 1, header.offset + 16)] });
  });

  it('streamed from stdin in chunks cut inside characters: cut characters are joined, a bad byte is named by the lines counted', async () => {
    const cuts = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    const good = Buffer.concat([BOM, Buffer.from(exported)]);
    for (const size of [1, 2, 3, 5, 64]) {
      const { code, err } = await run(auditCommand, ['-', '--key', key], { stdin: Readable.from(cuts(good, size)) });
      expect(err, `chunks of ${size}`).toEqual([]);
      expect(code, `chunks of ${size}`).toBe(0);
    }
    const bad = rewrite(exported, E_ACUTE, [0xc3, 0x28]); // a lead byte without its continuation
    for (const size of [1, 2, 3, 64]) {
      expect(await run(auditCommand, ['-', '--key', key], { stdin: Readable.from(cuts(bad.bytes, size)) }), `chunks of ${size}`).toMatchObject({
        code: 2, err: [refusal('audit', 'stdin', bad.line, bad.offset)],
      });
    }
    // A character the input ends inside.
    const cut = Buffer.concat([Buffer.from(exported.trimEnd()), Buffer.from([0x0a, 0xe2, 0x82])]);
    expect(await run(auditCommand, ['-', '--key', key], { stdin: Readable.from(cuts(cut, 3)) })).toMatchObject({
      code: 2, err: [refusal('audit', 'stdin', exported.trimEnd().split('\n').length + 1, cut.length - 2)],
    });
  });
});

describe('aegislog audit --gaps', () => {
  it('refuses an export with a bad byte (exit 2), naming the line, where U+FFFD made its event match its digest again', async () => {
    expect((await run(auditCommand, ['--gaps', save('gaps.ndjson', exported)])).code).toBe(0);
    const { bytes, offset, line } = rewrite(exported, REPLACEMENT, [0xff]);
    const path = save('gaps-ff.ndjson', bytes);
    expect(await run(auditCommand, ['--gaps', path])).toMatchObject({ code: 2, out: [], err: [refusal('audit', path, line, offset)] });
  });
});
