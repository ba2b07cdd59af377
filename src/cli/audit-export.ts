import { auditExport, type Check, type ExportReport } from '../verify/index.js';
import { fileChunks, sizeOf } from './input.js';
import { progressBar } from './progress.js';
import { EXIT, InputError, type AuditorIO } from './run-checked.js';
import { loadTrust } from './trust-input.js';
import { checkLine } from './check-line.js';
import { thousands } from './thousands.js';
import { printableIO } from './printable.js';

type Values = { key?: string[]; policy?: string; now?: string; signatures?: boolean; json?: boolean };

/** Options another command part may add to the export audit (`--gaps` reads each event). */
export interface ExportAuditHooks {
  onEvent?: (event: Record<string, unknown>, leafIndex: number) => void;
}

/**
 * `aegislog audit EXPORT`: a version-2 export (PROTOCOL.md §6.2), streamed from
 * the file in chunks (never held whole), with a progress bar on a terminal.
 */
export async function auditExportFile(path: string, values: Values, io: AuditorIO, hooks: ExportAuditHooks = {}): Promise<number> {
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
    throw new InputError(`${path} is not a version-2 export (${report.checks.header.reason}${v1})`);
  }
  if (values.json) io.out(JSON.stringify({ file: path, ...report }, null, 2));
  else printReport(report, printableIO(io));
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function* chunks(path: string, io: AuditorIO, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  // fileChunks reuses its buffers: auditExport is done with a chunk (it copies what it keeps) when it asks for the next.
  const source = path === '-' ? (io.stdin ?? process.stdin) : fileChunks(path);
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
      const data = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      bytes += data.length;
      yield data;
      onBytes(bytes);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  } finally {
    if ('destroy' in source && typeof source.destroy === 'function') source.destroy();
  }
}

function printReport(r: ExportReport, io: AuditorIO): void {
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
  if (r.problemCount > r.problems.length) io.out(`    … ${r.problemCount - r.problems.length} more problems after the first ${r.problems.length}, counted but not listed`);
  const what = r.tenantId
    ? `${r.tenantId} ${r.periodStart} to ${r.periodEnd}: ${count(r.count)}, entries [${r.prevTreeSize}, ${r.treeSize}) of the tenant log`
    : `${count(r.count)} of the open period`;
  if (r.ok) io.out(`✓ audit passed: ${what}`);
  else io.out(`✗ audit failed: ${r.reason}`);
}

function count(n: number): string {
  return `${thousands(n)} receipt${n === 1 ? '' : 's'}`;
}
