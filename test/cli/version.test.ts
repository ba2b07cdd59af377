// `aegislog --version` was an unknown command (exit 2): an auditor who records which verifier checked
// the evidence, or an operator filing a bug, could not ask the CLI what it is. It now prints
// "aegislog <version>" from the package's own package.json, exit 0, as `-v` and `version` do.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('aegislog --version', () => {
  it.each([['--version'], ['-v'], ['version']])('%s: the package version on stdout, exit 0', async (flag) => {
    const io = fakeIO();
    expect(await main([flag], io)).toBe(0);
    expect([io.stdout, io.stderr]).toEqual([[`aegislog ${version}`], []]);
  });

  it('is in the general help', async () => {
    const io = fakeIO();
    await main(['--help'], io);
    expect(io.stdout.join('\n')).toMatch(/aegislog --version/);
  });
});
