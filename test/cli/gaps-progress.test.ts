// The --gaps progress bar is cleared when the command stops on unusable input, as the export
// audit's is: the one-line error must not be printed onto the end of a half-drawn bar.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-gaps-bar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit --gaps on a terminal', () => {
  it('clears its bar before the error line when a later file is unusable', async () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const drawn: string[] = [];
    const io = fakeIO({ progress: { write: (text: string) => drawn.push(text), columns: 80 } });
    const code = await auditCommand.run(['--gaps', join(V, 'exports/acme-bank-p0.ndjson'), empty], io);
    expect(code).toBe(2);
    expect(io.stderr).toEqual([expect.stringMatching(/empty\.ndjson is empty/)]);
    expect(drawn[0]).toMatch(/^\r\[[#.]+\] /); // the bar was drawn while the first file was read
    expect(drawn.at(-1)).toBe('\r\x1b[K');
  });
});
