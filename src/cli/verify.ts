import { verifyEvidence, type EvidenceReport } from '../verify/index.js';
import type { Command } from './command.js';
import { readCheckpointsFile } from './checkpoints-input.js';
import { parseJsonOrNdjson, readText } from './input.js';
import { KEY_HELP, loadKeys } from './keys-input.js';
import { EXIT, runChecked, type AuditorIO } from './run-checked.js';

const USAGE = `Usage: aegislog verify <bundle.json | -> --key KEY [--checkpoints FILE] [--sealed] [--json]

Checks evidence bundles offline (PROTOCOL.md §5) against a public key you
trust, and prints one line per check: ✓ name, or ✗ name: reason.

  <bundle.json | ->    one bundle (GET /evidence/{event_id}), a JSON array of
                       bundles, or NDJSON (one bundle a line); - reads stdin
${KEY_HELP}
  --checkpoints FILE   earlier signed checkpoints, oldest first (what
                       GET /checkpoints answers): adds the "chain" check
  --sealed             a pending bundle (period not sealed yet) fails
  --json               one JSON object on stdout instead of text
  -h, --help           this help

Exit status: 0 every check passed, 1 a check failed, 2 the command could not
run (bad usage, unreadable file, not JSON, not a usable key).`;

const options = {
  key: { type: 'string', multiple: true },
  checkpoints: { type: 'string' },
  sealed: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check evidence bundles offline against a pinned public key',
  usage: USAGE,
  run: (args, io: AuditorIO) =>
    runChecked({ name: 'verify', options, positionals: { min: 1, max: 1 } }, args, io, (values, [path]) => verify(path!, values, io)),
};

interface Outcome extends EvidenceReport {
  tenant_id?: string;
  event_id?: string;
}

async function verify(path: string, values: { key?: string[]; checkpoints?: string; sealed?: boolean; json?: boolean }, io: AuditorIO): Promise<number> {
  const keys = await loadKeys(values.key, io, 'verify');
  const checkpoints = values.checkpoints === undefined ? undefined : (await readCheckpointsFile(values.checkpoints, io)).checkpoints;
  const { values: bundles, many } = parseJsonOrNdjson(await readText(path, io), path === '-' ? 'stdin' : path);
  const outcomes: Outcome[] = [];
  for (const bundle of bundles) {
    const receipt = (bundle as { receipt?: { tenant_id?: unknown; event_id?: unknown } } | null)?.receipt;
    outcomes.push({
      ...(typeof receipt?.tenant_id === 'string' ? { tenant_id: receipt.tenant_id } : {}),
      ...(typeof receipt?.event_id === 'string' ? { event_id: receipt.event_id } : {}),
      ...(await verifyEvidence(bundle, { keys, ...(checkpoints ? { checkpoints } : {}) })),
    });
  }
  const passed = (o: Outcome) => o.ok && !(values.sealed && o.status !== 'sealed');
  const failed = outcomes.filter((o) => !passed(o)).length;
  if (values.json) {
    const json = many ? { ok: failed === 0, count: outcomes.length, failed, results: outcomes } : { ...outcomes[0], ok: failed === 0 };
    io.out(JSON.stringify(json, null, 2));
  } else {
    outcomes.forEach((o, i) => printOutcome(o, many ? i : undefined, passed(o), io));
    if (many) io.out(`${outcomes.length} bundles: ${outcomes.length - failed} passed, ${failed} failed`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

function printOutcome(o: Outcome, index: number | undefined, passed: boolean, io: AuditorIO): void {
  const name = `${o.tenant_id ?? '?'}/${o.event_id ?? '?'}`;
  const indent = index === undefined ? '' : '  ';
  if (index !== undefined) io.out(`[${index + 1}] ${name} (${o.status})`);
  const checks = Object.entries(o.checks);
  for (const [check, result] of checks) io.out(`${indent}${result!.ok ? '✓' : '✗'} ${check}${result!.ok ? '' : `: ${result!.reason}`}`);
  const bad = checks.filter(([, r]) => !r!.ok).length;
  if (o.status === 'pending' && o.ok) {
    const verdict = passed ? '✓' : '✗';
    io.out(`${indent}${verdict} pending evidence ${name}: the receipt verifies; its period is not sealed yet, so nothing proves it is in the log (fetch the evidence again after sealing)`);
  } else if (bad === 0) {
    io.out(`${indent}✓ ${o.status} evidence ${name}: all ${checks.length} checks passed`);
  } else {
    io.out(`${indent}✗ ${o.status} evidence ${name}: ${bad} of ${checks.length} checks failed`);
  }
}
