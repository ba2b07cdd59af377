// `aegislog audit --gaps` reads its files in 64 KiB chunks. A line that did not end was joined
// with each chunk and searched again for its end, in time quadratic in its length (a 20 MiB line
// without a newline: 13 s, 40 MiB: 58 s) and memory without bound. A line longer than MAX_LINE,
// which the export audit refuses too, now stops the count as unusable input (exit 2), naming it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { MAX_LINE } from '../../src/verify/export-input.js';
import { fakeIO } from './fake-io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-gaps-long-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function gaps(name: string, body: string) {
  const path = join(dir, name);
  await writeFile(path, body);
  const io = fakeIO();
  const code = await auditCommand.run(['--gaps', path], io);
  return { code, stderr: io.stderr.join('\n') };
}

describe('aegislog audit --gaps and a line longer than MAX_LINE', () => {
  it('exits 2 naming the file and the line', async () => {
    const { code, stderr } = await gaps('long.ndjson', `\n${'x'.repeat(MAX_LINE + 1)}\n{}\n`);
    expect(code).toBe(2);
    expect(stderr).toMatch(/long\.ndjson line 2 is longer than 16 MiB/);
  });

  it('a line of exactly MAX_LINE bytes is still read, and refused as not JSON (exit 1)', async () => {
    const { code, stderr } = await gaps('max.ndjson', `\n${'x'.repeat(MAX_LINE)}\n`);
    expect(code).toBe(1);
    expect(stderr).toBe('');
  });
});
