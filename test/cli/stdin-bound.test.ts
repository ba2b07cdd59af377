// `aegislog verify -` (and history, --key -, --policy -) reads its input whole before checking it. A file is
// refused above 2 GiB (readFile's bound, ERR_FS_FILE_TOO_LARGE) before a byte is held; stdin had no bound at
// all: `aegislog verify - < /dev/zero`, or a pipe from the wrong command, grew the process until it was killed.
// Stdin now gets the file's bound, said in the same words. The stream here yields one 1 MiB buffer again and
// again (2 GiB and one more MiB in all, nothing allocated per chunk), and counts what the reader pulls.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const MIB = 1 << 20;
const KEY = ['--key', join(import.meta.dirname, '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem')];

describe('stdin read whole', () => {
  it('is refused once it passes 2 GiB, as a file is: exit 2, one line, nothing read beyond', async () => {
    const chunk = new Uint8Array(MIB).fill(0x20);
    let pulled = 0;
    async function* stdin() {
      while (pulled < 2048 + 1) {
        pulled++;
        yield chunk;
      }
      throw new Error('the reader went on past 2 GiB and the end of this test stream');
    }
    const io = fakeIO({ stdin: stdin() });
    const code = await verifyCommand.run(['-', ...KEY], io);
    expect(io.stderr).toEqual(['aegislog verify: cannot read stdin: it is larger than 2 GiB']);
    expect(code).toBe(2);
    expect(pulled).toBe(2048); // 2 GiB is 2^31 bytes, one more than readFile takes
  });

  it('a file above 2 GiB is refused in the same words (a sparse file: nothing is written or read)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegislog-stdin-bound-'));
    try {
      const path = join(dir, 'big.json');
      truncateSync((writeFileSync(path, ''), path), 2 ** 31 + 1);
      const io = fakeIO();
      expect(await verifyCommand.run([path, ...KEY], io)).toBe(2);
      expect(io.stderr).toEqual([`aegislog verify: cannot read ${path}: it is larger than 2 GiB`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
