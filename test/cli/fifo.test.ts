// An export given as a pipe rather than a regular file: `aegislog audit <(curl …)` (bash's
// process substitution names a pipe, /dev/fd/63), a named pipe made with mkfifo, or /dev/stdin.
// Such a file has no offsets: it must be read in order, never at a position.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-fifo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
/** A named pipe that a writer fills with `bytes` once the command opens it. */
function pipeOf(bytes: Uint8Array): string {
  const path = join(dir, `pipe-${made++}`);
  execFileSync('mkfifo', [path]);
  const writer = createWriteStream(path);
  writer.on('error', () => undefined); // a reader that stops early: not this test's concern
  writer.end(bytes);
  return path;
}

describe('an export read from a pipe', () => {
  const exportBytes = readFileSync(join(V, 'exports/acme-bank-p0.ndjson'));

  it('audit EXPORT: audits it as it would the file', async () => {
    const io = fakeIO();
    const code = await auditCommand.run([pipeOf(exportBytes), '--policy', join(V, 'policy-none.txt'), '--now', '2026-12-31T00:00:00.000Z'], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/^✓ audit passed: acme-bank /);
  });

  it('audit --gaps: reads its lines as it would the file', async () => {
    const io = fakeIO();
    const code = await auditCommand.run(['--gaps', pipeOf(exportBytes)], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(1); // this export has no events: its line is refused, which is a result, not unreadable input
    expect(io.stdout.join('\n')).toMatch(/no event: fetch the export with events=true/);
  });

  it('bytes that are not UTF-8: exit 2 naming the byte, without waiting to read the pipe again', async () => {
    const bad = Buffer.concat([exportBytes, Buffer.from([0xff, 0x0a])]);
    const io = fakeIO();
    const code = await auditCommand.run([pipeOf(bad), '--policy', join(V, 'policy-none.txt')], io);
    expect(code).toBe(2);
    expect(io.stderr).toEqual([expect.stringMatching(new RegExp(`pipe-\\d+ is not UTF-8: an invalid byte sequence at byte offset ${exportBytes.length} `))]);
  });
});
