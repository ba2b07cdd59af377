import { fetchTileSource, parseCheckpoint, parseNote, verifyEvidence, type Check, type EvidenceReport, type TileSource, type TrustOptions } from '../verify/index.js';
import type { Command } from './command.js';
import { readCheckpointsFile } from './checkpoints-input.js';
import { parseJsonOrNdjson, readText, sourceName, stdinOnce } from './input.js';
import { KEY_HELP } from './keys-input.js';
import { EXIT, InputError, oneLine, runChecked, type AuditorIO } from './run-checked.js';
import { TRUST_HELP, loadTrust } from './trust-input.js';
import { checkLine } from './check-line.js';
import { printableIO } from './printable.js';
import { counted } from './thousands.js';

const USAGE = `Usage: aegislog verify [--key KEY]... [--policy FILE] [--now TIME] [--trusted FILE [--tiles URL]]
                       [--checkpoints FILE] [--sealed] [--json] FILE...

Checks evidence bundles offline (PROTOCOL.md §6.1; version 1 too) against the
key or the tlog-policy you trust, and prints one line per check: ✓ name,
✗ name: reason, or – name: skipped, and why.

  FILE...              bundles (GET /evidence/{event_id}): one a file, a JSON
                       array, or NDJSON (one bundle a line); - reads stdin
${KEY_HELP}
${TRUST_HELP}
  --trusted FILE       an earlier checkpoint note you trust: adds the
                       "consistency" check (v2), which a bundle then needs:
                       its own consistency proof (GET /evidence/{id}?...&
                       from_size=N) or one read from --tiles
  --tiles URL          the log's URL (its root log tiles are URL/tile/...):
                       where the consistency proof a bundle lacks is read
  --checkpoints FILE   earlier signed checkpoints, oldest first: adds the
                       "chain" check (version-1 bundles)
  --sealed             a pending bundle (period not sealed yet) fails
  --json               one JSON object on stdout instead of text
  -h, --help           this help

Exit status: 0 every check passed, 1 a check failed, 2 the command could not
run (bad usage, unreadable file, not UTF-8 or not JSON, a JSON member name
given twice, not a usable key or policy).`;

const options = {
  key: { type: 'string', multiple: true },
  policy: { type: 'string' },
  now: { type: 'string' },
  trusted: { type: 'string' },
  tiles: { type: 'string' },
  checkpoints: { type: 'string' },
  sealed: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = { key?: string[]; policy?: string; now?: string; trusted?: string; tiles?: string; checkpoints?: string; sealed?: boolean; json?: boolean };

export const verifyCommand: Command = {
  usage: USAGE,
  run: (args, io: AuditorIO) =>
    runChecked({ name: 'verify', options, positionals: { min: 1, max: Number.POSITIVE_INFINITY } }, args, io, (values, paths) => verify(paths, values, io)),
};

interface Outcome extends EvidenceReport {
  file?: string;
  tenant_id?: string;
  event_id?: string;
}

async function verify(paths: string[], values: Values, io: AuditorIO): Promise<number> {
  // Any one input may be stdin: a bundle file, a key, the policy, the trusted checkpoint or the checkpoints file.
  stdinOnce([...paths, ...(values.key ?? []), values.policy, values.trusted, values.checkpoints]);
  const trust: TrustOptions = await loadTrust(values, io, 'verify');
  const checkpoints = values.checkpoints === undefined ? undefined : (await readCheckpointsFile(values.checkpoints, io)).checkpoints;
  const trusted = values.trusted === undefined ? undefined : await readTrusted(values.trusted, io);
  const rootTiles = values.tiles === undefined ? undefined : tilesAt(values.tiles, trusted !== undefined, io);
  const inputs: { file: string; bundles: unknown[] }[] = [];
  let many = paths.length > 1;
  for (const path of paths) {
    const where = sourceName(path);
    const parsed = parseJsonOrNdjson(await readText(path, io, where), where);
    for (const value of parsed.values) refuseOtherKind(value, where);
    many ||= parsed.many;
    inputs.push({ file: path, bundles: parsed.values });
  }
  const outcomes: Outcome[] = [];
  for (const { file, bundles } of inputs) {
    for (const bundle of bundles) {
      const receipt = (bundle as { receipt?: { tenant_id?: unknown; event_id?: unknown } } | null)?.receipt;
      outcomes.push({
        ...(paths.length > 1 ? { file } : {}),
        ...(typeof receipt?.tenant_id === 'string' ? { tenant_id: receipt.tenant_id } : {}),
        ...(typeof receipt?.event_id === 'string' ? { event_id: receipt.event_id } : {}),
        ...(await verifyEvidence(bundle, { ...trust, ...(checkpoints ? { checkpoints } : {}), ...(trusted !== undefined ? { trusted } : {}), ...(rootTiles ? { rootTiles } : {}) })),
      });
    }
  }
  const passed = (o: Outcome) => o.ok && !(values.sealed && o.status !== 'sealed');
  const failed = outcomes.filter((o) => !passed(o)).length;
  if (values.json) {
    // Each result's ok is its verdict under the options (--sealed), as a lone bundle's is.
    const json = many ? { ok: failed === 0, count: outcomes.length, failed, results: outcomes.map((o) => ({ ...o, ok: passed(o) })) } : { ...outcomes[0], ok: failed === 0 };
    io.out(JSON.stringify(json, null, 2));
  } else {
    const text = printableIO(io); // the bundles' strings are printed: no escape sequence of theirs reaches the terminal
    outcomes.forEach((o, i) => printOutcome(o, many ? i : undefined, passed(o), text));
    if (many) text.out(`${counted(outcomes.length, 'bundle')}: ${outcomes.length - failed} passed, ${failed} failed`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

/**
 * The --trusted note, read strictly (a checkpoint of three lines, PROTOCOL.md §4.4). One that is
 * not a checkpoint note is unusable input (exit 2): it must not make the evidence look broken.
 */
async function readTrusted(path: string, io: AuditorIO): Promise<string> {
  const text = await readText(path, io, `--trusted ${path}`);
  try {
    parseCheckpoint(parseNote(text).text);
  } catch (error) {
    throw new InputError(`--trusted ${path}: not a checkpoint note (${oneLine(error)})`);
  }
  return text;
}

/**
 * An export or a checkpoint history given for a bundle is unusable input (exit 2), as `audit` and `history`
 * say of the wrong kind: the evidence in it is not broken, the command is the wrong one.
 */
function refuseOtherKind(value: unknown, where: string): void {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { kind?: unknown; checkpoints?: unknown; receipt?: unknown };
  if (v.kind === 'aegislog-export') {
    throw new InputError(`${where} is a period export, not an evidence bundle: check it with aegislog audit`);
  }
  if (v.receipt === undefined && Array.isArray(v.checkpoints)) {
    throw new InputError(`${where} is a list of checkpoints, not an evidence bundle: check a history with aegislog history`);
  }
}

/** The --tiles URL, as a tile source; only the consistency check reads it, so it needs --trusted. */
function tilesAt(text: string, withTrusted: boolean, io: AuditorIO): TileSource {
  if (!withTrusted) throw new InputError('--tiles: only the consistency check reads tiles; give --trusted FILE with it');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`--tiles ${text}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError(`--tiles ${text}: not an http(s) URL`);
  if (url.search || url.hash) throw new InputError(`--tiles ${text}: the log's URL takes no query or fragment (tiles are read at URL/tile/...)`);
  return fetchTileSource(url.href, io.fetch ? { fetch: io.fetch } : {});
}

function printOutcome(o: Outcome, index: number | undefined, passed: boolean, io: AuditorIO): void {
  const name = `${o.tenant_id ?? '?'}/${o.event_id ?? '?'}`;
  const indent = index === undefined ? '' : '  ';
  if (index !== undefined) io.out(`[${index + 1}] ${o.file ? `${o.file}: ` : ''}${name} (${o.status})`);
  const checks = Object.entries(o.checks) as [string, Check][];
  for (const [check, result] of checks) io.out(`${indent}${checkLine(check, result, check === 'witnesses' ? cosignedBy(o) : '')}`);
  const run = checks.filter(([, c]) => c.status !== 'skipped');
  const bad = run.filter(([, c]) => c.status === 'failed').length;
  const skippedNote = checks.length > run.length ? ` (${checks.length - run.length} skipped)` : '';
  if (o.status === 'pending' && o.ok) {
    const verdict = passed ? '✓' : '✗';
    io.out(`${indent}${verdict} pending evidence ${name}: the receipt verifies; its period is not sealed yet, so nothing proves it is in the log (fetch the evidence again after sealing)`);
  } else if (o.ok) {
    io.out(`${indent}✓ ${o.status} evidence ${name}: all ${run.length} checks passed${skippedNote}`);
  } else if (bad > 0) {
    io.out(`${indent}✗ ${o.status} evidence ${name}: ${bad} of ${run.length} checks failed${skippedNote}`);
  } else {
    io.out(`${indent}✗ ${o.status} evidence ${name}: not proven (a check it needs was skipped)`);
  }
}

function cosignedBy(o: Outcome): string {
  if (!o.cosigners?.length) return '';
  return `: cosigned by ${o.cosigners.map((c) => c.witness).join(', ')}${o.quorum ? ` (quorum ${o.quorum})` : ''}`;
}
