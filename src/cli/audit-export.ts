import { auditExport, type Check, type ExportCheckName, type ExportReport } from '../verify/index.js';
import { Utf8Check, readError, sizeOf, sourceChunks, sourceName, stdinOnce } from './input.js';
import { progressBar } from './progress.js';
import { EXIT, InputError, type AuditorIO } from './run-checked.js';
import { loadTrust } from './trust-input.js';
import { checkLine } from './check-line.js';
import { counted, thousands } from './thousands.js';
import { printableIO } from './printable.js';

type Values = { key?: string[]; policy?: string; now?: string; signatures?: boolean; sealed?: boolean; json?: boolean };

/** What proves a period whole, none of which an open period's export has: `--sealed` requires them. */
const SEALED: readonly ExportCheckName[] = ['header', 'checkpoint_signature', 'head_inclusion', 'frontier', 'entries', 'root'];

/** Options another command part may add to the export audit (`--gaps` reads each event). */
export interface ExportAuditHooks {
  onEvent?: (event: Record<string, unknown>, leafIndex: number) => void;
}

/**
 * `aegislog audit EXPORT`: a version-2 export (PROTOCOL.md §6.2), streamed from
 * the file in chunks (never held whole), with a progress bar on a terminal.
 */
export async function auditExportFile(path: string, values: Values, io: AuditorIO, hooks: ExportAuditHooks = {}): Promise<number> {
  stdinOnce([path, ...(values.key ?? []), values.policy]);
  const trust = await loadTrust(values, io, 'audit');
  const total = path === '-' ? 0 : await sizeOf(path);
  const bar = progressBar(io, total, 'receipts');
  let receipts = 0;
  let report: ExportReport;
  try {
    report = await auditExport(chunks(path, io, (bytes) => bar.update(bytes, receipts)), {
      ...trust,
      verifySignatures: values.signatures === true,
      // Only for a bar that is drawn: with onProgress, auditExport gives the host a turn every 16,384
      // lines so that a page can paint, which piped or redirected is a turn for nothing.
      ...(bar.shown ? { onProgress: (done: number) => (receipts = done) } : {}),
      ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}),
    });
  } finally {
    bar.end();
  }
  // No readable header is unusable input, however many lines follow it: exit 2, as for an empty file.
  if (report.status === 'invalid') {
    const v1 = /a version-1 export/.test(report.checks.header.reason ?? '') ? '; audit a version-1 export with --export and --checkpoints' : '';
    throw new InputError(`${sourceName(path)} is not a version-2 export (${report.checks.header.reason}${v1})`);
  }
  // As verify has it for a pending bundle: an open period's export whose receipts verify passes, saying that
  // it is not proven (no signed head says that none is missing or added); with --sealed it fails.
  const ok = report.ok && !(values.sealed && report.status !== 'sealed');
  if (values.json) {
    const missing = SEALED.find((name) => report.checks[name].status !== 'passed');
    const refused = report.ok && !ok && missing ? { reason: `${missing}: ${report.checks[missing].reason}` } : {};
    io.out(JSON.stringify({ file: path, ...report, ok, ...refused }, null, 2));
  } else printReport(report, ok, printableIO(io));
  return ok ? EXIT.ok : EXIT.failed;
}

async function* chunks(path: string, io: AuditorIO, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  // fileChunks reuses its buffers: auditExport is done with a chunk (it copies what it keeps) when it asks for the next.
  const source = sourceChunks(path, io);
  // Bytes that are not UTF-8 are unusable input (exit 2), as for every file the commands read: the audit
  // never judges a line it could only read with U+FFFD in it. Stdin cannot be read again: its lines are counted.
  const check = new Utf8Check(sourceName(path), path === '-');
  let bytes = 0;
  try {
    for await (const data of source) {
      check.push(data);
      bytes += data.length;
      yield data;
      onBytes(bytes);
    }
    check.end();
  } catch (error) {
    throw await readError(error, path);
  } finally {
    if ('destroy' in source && typeof source.destroy === 'function') source.destroy();
  }
}

function printReport(r: ExportReport, ok: boolean, io: AuditorIO): void {
  for (const [name, check] of Object.entries(r.checks) as [string, Check][]) {
    io.out(checkLine(name, check, name === 'witnesses' && r.cosigners.length ? `: cosigned by ${r.cosigners.map((c) => c.witness).join(', ')}` : ''));
    if (name === 'entries' || name === 'events' || name === 'signatures') {
      const mine = r.problems.filter((p) => p.check === name);
      for (const p of mine.slice(0, 10)) {
        const where = [p.leafIndex !== undefined ? `leaf_index ${p.leafIndex}` : '', p.line > 0 ? `line ${p.line}` : '', p.eventId ?? ''].filter(Boolean).join(', ');
        io.out(`    ${where ? `${where}: ` : ''}${p.reason}`);
      }
      if (mine.length > 10) io.out(`    … ${mine.length - 10} more listed with --json`);
    }
  }
  if (r.problemCount > r.problems.length) io.out(`    … ${counted(r.problemCount - r.problems.length, 'more problem', 'more problems')} after the first ${r.problems.length}, counted but not listed`);
  const failedCheck = Object.values(r.checks).some((c) => c.status === 'failed');
  if (r.status === 'open' && r.ok) {
    // The page's amber "Open period: not proven", in words: ✓ for what verified (as verify's pending bundle), never "audit passed".
    io.out(`${ok ? '✓' : '✗'} open period, not proven: ${count(r.count)} of a period not sealed yet, each signed by a key you trust; ` +
      'no signed tenant head says that none is missing or added (audit its export again once the period is sealed)');
  } else if (r.status === 'open' && !failedCheck && r.count === 0) {
    io.out('✗ open period, not proven: the export holds no receipt of it');
  } else if (r.status === 'open' && !failedCheck) {
    io.out(`✗ open period, not proven: ${count(r.count)} of a period not sealed yet; only each receipt's signature can be checked, and --signatures was not given`);
  } else if (r.ok) {
    io.out(`✓ audit passed: ${r.tenantId} ${r.periodStart} to ${r.periodEnd}: ${count(r.count)}, entries [${r.prevTreeSize}, ${r.treeSize}) of the tenant log`);
  } else io.out(`✗ audit failed: ${r.reason}`);
}

function count(n: number): string {
  return `${thousands(n)} receipt${n === 1 ? '' : 's'}`;
}
