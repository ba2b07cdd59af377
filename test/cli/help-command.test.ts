// `aegislog help verify`, as git and npm take it, printed the general help, as if "verify" had not been said. It now
// prints that command's usage, as `aegislog verify --help` does; `help` with an unknown command is a usage error.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

describe('aegislog help COMMAND', () => {
  it("prints the command's usage on stdout, exit 0, as COMMAND --help does", async () => {
    const help = fakeIO();
    expect(await main(['help', 'verify'], help)).toBe(0);
    expect(help.stderr).toEqual([]);
    expect(help.stdout).toEqual([verifyCommand.usage]);
  });

  it('with an unknown command: exit 2, saying so', async () => {
    const help = fakeIO();
    expect(await main(['help', 'frobnicate'], help)).toBe(2);
    expect(help.stdout).toEqual([]);
    expect(help.stderr.join('\n')).toMatch(/^aegislog: unknown command "frobnicate"/);
  });

  it('alone: the general help, exit 0', async () => {
    const help = fakeIO();
    expect(await main(['help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/^Usage: aegislog <command> \[options\]/);
  });
});
