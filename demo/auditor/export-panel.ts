// Step 5 for version 2: a period export audited in the page (auditExport),
// streamed from the dropped file so that a period of millions of receipts
// never sits in memory, with its checks, witnesses and first problems.
import { auditExport, type Check, type ExportCheckName, type ExportReport, type TrustOptions } from '../../src/verify/index.js';
import { h, pill } from '../shared/dom.js';
import type { ExportFile } from './inputs.js';

const WHAT: Record<ExportCheckName, string> = {
  header: 'The first line is a version-2 export header',
  checkpoint_signature: "The header's checkpoint is signed by a log key you trust",
  witnesses: "The policy's quorum of witnesses cosigned the checkpoint",
  head_inclusion: "The tenant head is in the root log, under the checkpoint's root",
  prev_head_inclusion: "The tenant's previous head is in the root log too, and is the one the head names",
  frontier: "The log's frontier where the period begins folds to the previous head's root",
  entries: "The lines are exactly the period's entries, in leaf order, of the tenant, inside the period",
  root: "Appending every receipt to the frontier gives the signed head's root",
  events: 'Each event line hashes to its receipt\'s digest',
  signatures: "Each receipt's own signature verifies",
};

export function describeExport(file: ExportFile): string {
  const head = file.header.tenant_head as { tenant_id?: unknown; period_start?: unknown; tree_size?: unknown; prev_tree_size?: unknown } | null;
  const mib = (file.size / 2 ** 20).toFixed(file.size < 2 ** 20 ? 2 : 0);
  // The file's name too: two exports of one period (a copy and a tampered one) are told apart by it alone.
  if (!head) return `the open period (no tenant head), ${mib} MiB, ${file.source}`;
  const n = Number(head.tree_size) - Number(head.prev_tree_size);
  return `tenant ${String(head.tenant_id)}, period from ${String(head.period_start)}, ${Number.isFinite(n) ? n.toLocaleString('en') : '?'} entries, ${mib} MiB, ${file.source}`;
}

export async function auditExportFile(
  file: ExportFile,
  trust: TrustOptions,
  verifySignatures: boolean,
  onProgress: (done: number, total: number | undefined) => void,
): Promise<{ ok: boolean; shown: (Node | string)[] }> {
  const started = performance.now();
  // The progress is the bytes the audit has taken from the file, for every export: entries against the head's
  // count read 100% as soon as a file held more lines than the head covers, long before the audit was done (and
  // an open period's export has no head to count against). A read that fails part-way leaves it where it failed.
  let read = 0;
  let report: ExportReport;
  try {
    report = await auditExport(slices(file.blob, (bytes) => (read += bytes)), { ...trust, verifySignatures, onProgress: () => onProgress(read, file.size) });
  } catch (error) {
    onProgress(read, file.size);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(report.count / Math.max(seconds, 1e-3)).toLocaleString('en');
  const checks = h(
    'ul',
    { class: 'list', 'aria-label': 'Period checks' },
    ...(Object.entries(report.checks) as [ExportCheckName, Check][]).map(([name, check]) =>
      h('li', { 'data-check': name }, pill(stateOf(check), check.status === 'passed' ? 'pass' : check.status === 'failed' ? 'fail' : 'skipped'),
        h('span', { class: 'check-name' }, name), h('span', { class: 'reason' }, check.reason ?? WHAT[name])),
    ),
  );
  const problems = report.problems.slice(0, 10).map((p) =>
    h('li', {}, `${p.leafIndex !== undefined ? `leaf_index ${p.leafIndex}` : p.line > 0 ? `line ${p.line}` : ''}${p.eventId ? ` (${p.eventId})` : ''}: ${p.reason}`));
  const time = seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
  const witnesses = report.cosigners.length ? ` Checkpoint cosigned by ${report.cosigners.map((c) => c.witness).join(', ')}.` : '';
  // Only a sealed period is proven whole. An open period's export has no signed head: the verifier calls it
  // ok once every receipt's signature verifies, but nothing shows that none is missing, added or re-dated.
  const proven = report.ok && report.status === 'sealed';
  const anyFailed = Object.values(report.checks).some((check) => check.status === 'failed');
  const receipts = `${report.count.toLocaleString('en')} ${report.count === 1 ? 'receipt' : 'receipts'}`;
  const headline = proven
    ? [pill('ok', 'Period verified'), ` ${receipts}, entries [${report.prevTreeSize}, ${report.treeSize}) of ${report.tenantId}'s log, rebuild the signed head (${time}, ${rate} receipts/s).${witnesses}`]
    : report.status === 'open' && !anyFailed
      ? report.checks.signatures.status === 'passed'
        ? [pill('warn', 'Open period: not proven'), ` ${receipts} of a period not sealed yet, each signed by a key you trust; no signed head says that none is missing or added: audit its export once the period is sealed.`]
        : report.count === 0
          ? [pill('warn', 'Open period: not proven'), ' the export holds no receipt of a period not sealed yet: there is nothing to check.']
          : [pill('warn', 'Open period: not proven'), ` ${receipts} of a period not sealed yet; only each receipt's signature can be checked (tick the box above).`]
      : [pill('fail', 'Period audit failed'), ` ${report.reason ?? ''}`];
  const shown = [
    h('p', {}, ...headline),
    checks,
    problems.length ? h('ul', { class: 'hint', 'aria-label': 'Problems' }, ...problems) : '',
    report.problemCount > problems.length ? h('p', { class: 'hint' }, `${report.problemCount - problems.length} more ${report.problemCount - problems.length === 1 ? 'problem' : 'problems'}.`) : '',
  ];
  return { ok: proven, shown };
}

/** The blob in pieces of at most a MiB, counted as the audit takes them (a browser may hand over a file in one piece). */
async function* slices(blob: Blob, onRead: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (let at = 0; at < value.length; at += 1 << 20) {
      const piece = value.subarray(at, at + (1 << 20));
      onRead(piece.length);
      yield piece;
    }
  }
}

function stateOf(check: Check): 'ok' | 'fail' | 'info' {
  return check.status === 'passed' ? 'ok' : check.status === 'failed' ? 'fail' : 'info';
}
