import { gapInputCheck } from '../verify/gap-inputs.js';
import { gapLineCounter, readGapLine } from '../verify/gaps.js';
import type { ClientGaps, GapReport } from '../verify/index.js';
import { readLineChunks, sizeOf, sourceName, stdinOnce } from './input.js';
import { printable } from './printable.js';
import { progressBar } from './progress.js';
import { EXIT, InputError, runChecked, type AuditorIO } from './run-checked.js';
import { counted, thousands } from './thousands.js';

export const GAPS_USAGE = `Usage: aegislog audit --gaps EXPORT.ndjson... [--json]

Counts what never arrived (PROTOCOL.md §2): per client_id, the client_seq
numbers missing from one or several period exports fetched with events=true
(GET /export?tenant_id=&period_start=&events=true, and the open period without
period_start), which of them aegislog.dropped events account for (the client
dropped them and said so), and numbers seen twice. Each line's event is checked
against its receipt's digest before it counts; a line that does not match is
reported and left out. Loss after a client's highest number is out of sight:
give every export of the period range the clients wrote to. The receipts
themselves are not checked here (anyone can write a line whose event matches
its own digest): run \`aegislog audit\` on the same exports beside it.
Each entry of a tenant log counts once: files that hold one entry twice (a
period given twice, wherever it sits in a file, or a stale open-period export
beside a later one) are refused; give the latest export of an open period.

  --gaps               this mode (the export files are the arguments;
                       - reads stdin)
  --json               one JSON object on stdout instead of text
  -h, --help           this help

Exit status: 0 every missing number is accounted for and none is repeated,
1 a number is missing unaccounted, repeated, or a line was refused, 2 the
command could not run (bad usage, unreadable file).`;

const options = { gaps: { type: 'boolean' }, json: { type: 'boolean' } } as const;

/** `aegislog audit --gaps FILE...`: wired from audit.ts, whose other flags it does not take. */
export function runGaps(args: string[], io: AuditorIO): Promise<number> {
  return runChecked({ name: 'audit', options, positionals: { min: 1, max: Infinity } }, args, io, (values, files) => gaps(files, values.json === true, io));
}

async function gaps(files: string[], json: boolean, io: AuditorIO): Promise<number> {
  const counter = gapLineCounter();
  // An empty file, or one tenant-log entry twice (its number would count twice, as a repeat), cannot be counted.
  const inputs = gapInputCheck();
  stdinOnce(files);
  const size = (file: string) => (file === '-' ? Promise.resolve(0) : sizeOf(file));
  let total = 0;
  for (const file of files) total += await size(file);
  const bar = progressBar(io, total, 'lines');
  let done = 0;
  let lines = 0;
  try {
    for (const file of files) {
      let line = 0;
      const name = sourceName(file);
      const check = inputs.file(name);
      for await (const chunk of readLineChunks(file, (bytes) => bar.update(done + bytes, lines), io)) {
        for (const text of chunk.lines) {
          line++;
          lines++;
          // Read once, for both: parsing and scanning each line twice was a tenth of the command's time.
          const read = readGapLine(text);
          const problem = check.read(read);
          if (problem) throw new InputError(problem);
          counter.addRead(read, { line, source: name });
        }
      }
      const empty = check.end();
      if (empty) throw new InputError(empty);
      done += await size(file);
    }
  } finally {
    bar.end(); // also before an error's line: never printed onto a half-drawn bar
  }
  const report = counter.report();
  if (json) io.out(JSON.stringify(report));
  else for (const text of describe(report, files.length)) io.out(printable(text));
  return report.ok ? EXIT.ok : EXIT.failed;
}

const n = thousands;
const ranges = (list: [number, number][], max = 8) =>
  list.slice(0, max).map(([lo, hi]) => (lo === hi ? n(lo) : `${n(lo)}–${n(hi)}`)).join(', ') + (list.length > max ? `, … (${list.length} ranges)` : '');

function describe(report: GapReport, files: number): string[] {
  const numbered = report.events - report.unnumbered;
  const out = [
    `${n(report.events)} events in ${files} export${files === 1 ? '' : 's'}: ${n(numbered)} numbered by ${report.clients.length} client${report.clients.length === 1 ? '' : 's'}, ${n(report.unnumbered)} without numbers`,
  ];
  for (const c of report.clients) out.push(...client(c));
  for (const r of report.refused.slice(0, 20)) out.push(`refused ${r.source ?? ''}:${r.line}: ${r.reason}`);
  if (report.refusedCount > 20) out.push(`… ${counted(report.refusedCount - 20, 'more line', 'more lines')} refused`);
  const unaccounted = report.clients.reduce((s, c) => s + c.unaccounted, 0);
  const repeated = report.clients.reduce((s, c) => s + c.duplicateCount, 0);
  if (report.ok) out.push('OK: every missing number is accounted for by an aegislog.dropped event, and none is repeated');
  else {
    const why = [
      unaccounted && `${counted(unaccounted, 'number')} missing that no aegislog.dropped event accounts for`,
      repeated && `${counted(repeated, 'number')} repeated`,
      report.refusedCount && `${counted(report.refusedCount, 'line')} refused`,
      report.clients.some((c) => c.noteCount) && 'drop reports that do not add up',
    ].filter(Boolean);
    out.push(`FAIL: ${why.join('; ')}`);
  }
  return out;
}

function client(c: ClientGaps): string[] {
  const head = `client ${c.clientId}: ${n(c.seen)} of 1–${n(c.highest)}`;
  if (!c.missingCount && !c.duplicateCount && !c.noteCount) return [`${head}, complete`];
  const out = [`${head}, ${n(c.missingCount)} missing${c.missing.length ? `: ${ranges(c.missing)}` : ''}`];
  for (const d of c.dropped) out.push(`  aegislog.dropped ${d.eventId} (#${n(d.seq)}): ${n(d.count)} dropped in ${n(d.firstSeq)}–${n(d.lastSeq)}, accounts for ${n(d.accounts)}`);
  // The report lists the first ones and counts them all.
  if (c.droppedCount > c.dropped.length) out.push(`  … ${n(c.droppedCount - c.dropped.length)} more aegislog.dropped ${c.droppedCount - c.dropped.length === 1 ? 'event' : 'events'} (${n(c.droppedCount)} in all)`);
  if (c.missingCount) out.push(`  accounted for: ${n(c.accounted)}; UNACCOUNTED: ${n(c.unaccounted)}`);
  if (c.duplicateCount) out.push(`  repeated: ${c.duplicates.slice(0, 8).map((d) => `${n(d.seq)} (${d.eventId})`).join(', ')}${c.duplicateCount > 8 ? `, … (${n(c.duplicateCount)} in all)` : ''}`);
  for (const note of c.notes) out.push(`  ${note}`);
  if (c.noteCount > c.notes.length) out.push(`  … ${n(c.noteCount - c.notes.length)} more ${c.noteCount - c.notes.length === 1 ? 'note' : 'notes'} (${n(c.noteCount)} in all)`);
  return out;
}
