// `aegislog dev --data DIR` where DIR/origin, the file that keeps the log's origin for life, is a folder: node's bare
// "EISDIR: illegal operation on a directory, read" came out with exit 1. It is a mistake in the data folder, said in
// one line naming the file, exit 2, as a --data folder that cannot be made is. Real command in process, real files.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-dev-origin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog dev with DIR/origin a folder', () => {
  it('exits 2 with one line naming the file', async () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'origin'), { recursive: true });
    const io = fakeIO();
    const code = await main(['dev', '--data', data, '--port', '0', '--host', '127.0.0.1'], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog dev: cannot read the log's origin ${join(data, 'origin')}: it is a directory`);
    expect(code).toBe(2);
  });
});
