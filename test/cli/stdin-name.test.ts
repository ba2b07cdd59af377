// Input read from stdin (`-`) is named `stdin` in every refusal, as verify, --gaps and the
// UTF-8 check name it: "- is not a version-2 export" reads as a broken message, not a cause.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Command } from '../../src/cli/command.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const POLICY = ['--policy', join(V, 'policy-none.txt')];
const BUNDLE = readFileSync(join(V, 'bundles/acme-bank-p0-leaf0.json'));
const EXPORT = readFileSync(join(V, 'exports/acme-bank-p0.ndjson'));

async function run(command: Command, args: string[], stdin: Uint8Array) {
  const io = fakeIO({ stdin: Readable.from([stdin]) });
  return { code: await command.run(args, io), err: io.stderr };
}

describe('a file of the wrong kind on stdin', () => {
  it('history: "stdin is not a version-2 checkpoint history"', async () => {
    const { code, err } = await run(historyCommand, ['-', ...POLICY], BUNDLE);
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^aegislog history: stdin is not a version-2 checkpoint history \(/)]);
  });

  it('audit: "stdin is not a version-2 export"', async () => {
    const { code, err } = await run(auditCommand, ['-', ...POLICY], BUNDLE);
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^aegislog audit: stdin is not a version-2 export \(/)]);
  });

  it('verify, the twin: "stdin is a period export"', async () => {
    const { code, err } = await run(verifyCommand, ['-', ...POLICY], EXPORT);
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^aegislog verify: stdin is a period export, not an evidence bundle/)]);
  });
});
