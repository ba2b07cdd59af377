// The auditor commands' "Usage:" lines left out options they take: verify had no --checkpoints or --now, history and
// the version-2 audit no --now. Each option a command takes is now in its usage lines (the synopsis), not only in
// the table below them.
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';

/** The synopsis: the "Usage:" line of a command and the lines that continue it, up to the first blank line. */
function synopsis(usage: string, command: string): string {
  const start = usage.indexOf(`Usage: aegislog ${command}`);
  return usage.slice(start, usage.indexOf('\n\n', start));
}

describe('usage lines', () => {
  it.each([
    ['verify', verifyCommand.usage, ['--key', '--policy', '--now', '--trusted', '--tiles', '--checkpoints', '--sealed', '--json']],
    ['history', historyCommand.usage, ['--key', '--policy', '--now', '--json']],
    ['audit', auditCommand.usage, ['--key', '--policy', '--now', '--signatures', '--sealed', '--json', '--export', '--checkpoints', '--head']],
  ])('aegislog %s names each option it takes', (command, usage, flags) => {
    const lines = synopsis(usage as string, command as string);
    for (const flag of flags as string[]) expect(lines, flag).toContain(flag);
  });
});
