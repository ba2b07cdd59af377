import { verifyHistory, type Check, type HistoryReport } from '../verify/index.js';
import { checkLine } from './check-line.js';
import type { Command } from './command.js';
import { parseJson, readText, sourceName, stdinOnce } from './input.js';
import { KEY_HELP } from './keys-input.js';
import { EXIT, InputError, runChecked, type AuditorIO } from './run-checked.js';
import { TRUST_HELP, loadTrust } from './trust-input.js';
import { printableIO } from './printable.js';

const USAGE = `Usage: aegislog history [--key KEY]... [--policy FILE] [--now TIME] [--json] FILE

Checks a checkpoint history offline (GET /checkpoints, PROTOCOL.md §6.3):
every note signed by a log key you trust, one origin, sizes that never go
down, each checkpoint consistent with the one before (an RFC 9162 proof; equal
sizes need equal roots), and the witness quorum on the newest checkpoint.

  FILE                 the history as saved ({"v":2, "origin", "checkpoints"});
                       - reads stdin
${KEY_HELP}
${TRUST_HELP}
  --json               one JSON object on stdout instead of text
  -h, --help           this help

Exit status: 0 every check passed, 1 a check failed, 2 the command could not
run (bad usage, unreadable file, not UTF-8 or not JSON, a JSON member name
given twice, not a usable key or policy).`;

const options = {
  key: { type: 'string', multiple: true },
  policy: { type: 'string' },
  now: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const historyCommand: Command = {
  usage: USAGE,
  run: (args, io: AuditorIO) =>
    runChecked({ name: 'history', options, positionals: { min: 1, max: 1 } }, args, io, async (values, [path]) => {
      stdinOnce([path, ...(values.key ?? []), values.policy]);
      const trust = await loadTrust(values, io, 'history');
      const history = parseJson(await readText(path!, io), sourceName(path!));
      const report = await verifyHistory(history, trust);
      // A file that is no history (a bundle, an export header, v1 checkpoints) is unusable input, as for audit: exit 2.
      if (report.checks.history?.status === 'failed') throw new InputError(`${sourceName(path!)} is not a version-2 checkpoint history (${report.checks.history.reason})`);
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else printReport(report, printableIO(io));
      return report.ok ? EXIT.ok : EXIT.failed;
    }),
};

function printReport(r: HistoryReport, io: AuditorIO): void {
  for (const [name, check] of Object.entries(r.checks) as [string, Check][]) {
    io.out(checkLine(name, check, name === 'witnesses' && r.cosigners.length ? `: the newest checkpoint is cosigned by ${r.cosigners.map((c) => c.witness).join(', ')}` : ''));
  }
  for (const e of r.entries) {
    const size = e.treeSize === undefined ? 'size ?' : `size ${e.treeSize}`;
    const period = e.periodStart ? ` ${e.periodStart} to ${e.periodEnd ?? '?'}` : '';
    const signed = e.signature.status === 'passed' ? 'signed' : `not signed: ${e.signature.reason}`;
    const link = e.index === 0 ? '' : e.consistency.status === 'passed' ? `, consistent with #${e.index - 1}` : `, ${e.consistency.status} against #${e.index - 1}: ${e.consistency.reason}`;
    io.out(`    #${e.index} ${size}${period}: ${signed}${link}`);
  }
  const span = r.entries.length ? ` of ${r.origin}, sizes ${r.entries[0]!.treeSize ?? '?'} to ${r.entries.at(-1)!.treeSize ?? '?'}` : '';
  io.out(r.ok ? `✓ history verified: ${r.length} checkpoint${r.length === 1 ? '' : 's'}${span}` : `✗ history failed: ${r.reason}`);
}
