// `aegislog` with no command is a usage error (exit 2): its help goes to stderr, as an unknown
// command's does, and stdout stays empty for whoever reads it as the command's output.
// `aegislog --help` asked for the help: stdout, exit 0.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

describe('aegislog without a command', () => {
  it('prints its help on stderr and exits 2, as for an unknown command', async () => {
    const none = fakeIO();
    expect(await main([], none)).toBe(2);
    expect(none.stdout).toEqual([]);
    expect(none.stderr.join('\n')).toMatch(/^Usage: aegislog <command> \[options\]/);

    const unknown = fakeIO();
    expect(await main(['frobnicate'], unknown)).toBe(2);
    expect(unknown.stdout).toEqual([]);
  });

  it('--help: the help on stdout, exit 0', async () => {
    const help = fakeIO();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.stderr).toEqual([]);
    expect(help.stdout.join('\n')).toMatch(/^Usage: aegislog <command> \[options\]/);
  });
});
