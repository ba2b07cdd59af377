import { b64uEncode, sha256, tenantHeadHash, type CheckpointV1, type TenantHeadV1 } from '../protocol/index.js';
import { merkleRoot, verifyCheckpointChain, type AuditReport, type ChainReport, type VerifyKey } from '../verify/index.js';
import { readCheckpointsFile, readHeadFile, type HeadAnchor } from './checkpoints-input.js';
import type { Command } from './command.js';
import { openPeriodAudit, type PeriodAudit } from '../verify/audit.js';
import { routeExport, type Group, type GroupSink, type RouteReport } from './export-groups.js';
import { GAPS_USAGE, runGaps } from './gaps.js';
import { sizeOf, sourceName, stdinOnce } from './input.js';
import { KEY_HELP, loadKeys } from './keys-input.js';
import { progressBar } from './progress.js';
import { EXIT, InputError, oneLine, required, runChecked, type AuditorIO } from './run-checked.js';
import { auditExportFile } from './audit-export.js';
import { TRUST_HELP } from './trust-input.js';
import { counted, thousands } from './thousands.js';
import { printableIO } from './printable.js';

const USAGE = `Usage: aegislog audit [--key KEY]... [--policy FILE] [--now TIME] [--signatures] [--sealed] [--json] EXPORT
       aegislog audit --export FILE.ndjson --checkpoints FILE.json --key KEY
                      [--head FILE]... [--signatures] [--json]      (version 1)

Audits a period export offline. A version-2 export (GET /export, PROTOCOL.md
§6.2) carries its own proof in its header: the tenant head and the one before,
both proven in a signed checkpoint, and the log's frontier where the period
begins. The audit checks the note under the key or policy you trust, both
inclusions, that the frontier folds to the previous head, that the lines are
exactly that period's entries in leaf order, and that appending them to the
frontier gives the signed head. Streams the file in bounded memory, however
many receipts; a progress bar on a terminal.

  EXPORT               a version-2 export (NDJSON: a header line, then one
                       receipt a line); - reads stdin
${KEY_HELP}
${TRUST_HELP}
  --signatures         also verify every receipt's own signature (slower)
  --sealed             an export of the open period fails (version 1 always
                       fails receipts of the open period)
  --json               one JSON object on stdout instead of text
  -h, --help           this help

An export of the open period (no signed tenant head yet) is not proven: no
head says that no receipt is missing or added. Its receipts pass with
--signatures, and the audit says "open period, not proven"; with --sealed it
fails (exit 1). Audit its export again once the period is sealed.

Version 1 (PROTOCOL-v1.md): rebuilds every tenant tree of every period of an
export against the checkpoint chain, and for each tenant and period its signed
tenant head (proven in the checkpoint) or, when the export holds every tenant
of the period, the checkpoint's global root.

  --export FILE        receipts, one JSON object a line, in any order; several
                       tenants and periods may be concatenated; - reads stdin
                       (- once among --export, --checkpoints, --head, --key)
  --checkpoints FILE   signed checkpoints, oldest first: GET /checkpoints as
                       saved ({"checkpoints": [...]}) or an array; may also hold
                       "tenant_heads": [{tenant_head, tenant_inclusion}, ...]
  --head FILE          a tenant head with its proof: GET /head as saved, or any
                       sealed evidence bundle of that tenant and period

Exit status: 0 every check passed, 1 a check failed, 2 the command could not
run (bad usage, unreadable file, not UTF-8 or not JSON, not a usable key or
policy).

${GAPS_USAGE}`;

const options = {
  export: { type: 'string' },
  checkpoints: { type: 'string' },
  head: { type: 'string', multiple: true },
  key: { type: 'string', multiple: true },
  policy: { type: 'string' },
  now: { type: 'string' },
  signatures: { type: 'boolean' },
  sealed: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const auditCommand: Command = {
  usage: USAGE,
  run: (args, io: AuditorIO) =>
    args.includes('--gaps') ? runGaps(args, io) : runChecked({ name: 'audit', options, positionals: { min: 0, max: 1 } }, args, io, (values, [path]) => {
      if (path !== undefined) {
        if (values.export !== undefined || values.checkpoints !== undefined || values.head !== undefined) {
          throw new InputError('give a version-2 EXPORT, or --export with --checkpoints for version 1, not both (see aegislog audit --help)');
        }
        return auditExportFile(path, values, io);
      }
      if (values.export === undefined) throw new InputError('missing argument: the export to audit (see aegislog audit --help)');
      // Version 1 has no tlog-policy: one given would be dropped, and the audit pass as if it had been held to.
      if (values.policy !== undefined) throw new InputError('--policy is for a version-2 EXPORT; a version-1 audit (--export) checks under --key alone (see aegislog audit --help)');
      return audit(values, io);
    }),
};

type Values = { export?: string; checkpoints?: string; head?: string[]; key?: string[]; signatures?: boolean; json?: boolean };

/** One (tenant, period) of the export and how it was proven. */
interface GroupResult {
  tenant_id: string;
  period_start: string;
  ok: boolean;
  /** What the rebuilt tree was held against: a given signed head (proven in the checkpoint), or the checkpoint's global root rebuilt from every tenant of the period. */
  against: 'tenant_head' | 'global_root';
  reason?: string;
  report?: AuditReport;
}

async function audit(values: Values, io: AuditorIO): Promise<number> {
  const exportPath = required(values.export, '--export', 'audit');
  // Any one of the inputs may be stdin (the export, as `audit EXPORT` and --gaps take it, or a checkpoints, head or key file).
  stdinOnce([exportPath, values.checkpoints, ...(values.head ?? []), ...(values.key ?? [])]);
  const exportName = sourceName(exportPath);
  const file = await readCheckpointsFile(required(values.checkpoints, '--checkpoints', 'audit'), io);
  const keys = await loadKeys(values.key, io, 'audit');
  const heads = [...file.heads];
  for (const path of values.head ?? []) heads.push(await readHeadFile(path, io));
  const chain = await verifyCheckpointChain(file.checkpoints, { keys });

  const bar = progressBar(io, exportPath === '-' ? 0 : await sizeOf(exportPath), 'receipts');
  const running: { group: Group; anchored: boolean; audit: PeriodAudit | Error }[] = [];
  let route: RouteReport;
  try {
    route = await routeExport(exportPath, file.checkpoints, (group) => {
      const checkpoint = file.checkpoints[group.period]!;
      const anchor = heads.find((h) => h.tenant_head.tenant_id === group.tenantId && h.tenant_head.period_start === checkpoint.period_start);
      const audit = openGroup(group, checkpoint, anchor, keys, values.signatures === true);
      running.push({ group, anchored: anchor !== undefined, audit });
      return audit instanceof Error ? DISCARD : audit;
    }, (bytes, receipts) => bar.update(bytes, receipts), io);
  } finally {
    bar.end();
  }
  if (route.receipts === 0 && route.unreadableCount > 0) {
    throw new InputError(`${exportName} is not an NDJSON export (line ${route.unreadable[0]!.line}: ${route.unreadable[0]!.reason})`);
  }
  // An empty file is no export either (exit 2, as the version-2 audit and --gaps have it): nothing could be audited.
  if (route.receipts === 0) throw new InputError(`${exportName} holds no receipt: an export has one line per receipt`);
  const settled = await Promise.all(running.map(async ({ audit, ...rest }) => ({ ...rest, report: audit instanceof Error ? audit : await audit.finish().catch(asError) })));
  const groups = judge(settled, file.checkpoints, chain);
  const ok = chain.ok && route.unsealed === 0 && route.unreadableCount === 0 && groups.every((g) => g.ok);
  if (values.json) io.out(JSON.stringify(jsonReport(ok, chain, route, groups), null, 2));
  else printReport(printableIO(io), ok, chain, route, groups, file.checkpoints);
  return ok ? EXIT.ok : EXIT.failed;
}

/** The audit of one group, or why it cannot run (an unusable head): its lines are then dropped. */
function openGroup(group: Group, checkpoint: CheckpointV1, anchor: HeadAnchor | undefined, keys: VerifyKey[], signatures: boolean): PeriodAudit | Error {
  // The checkpoint comes from the verified chain, never from the head file: the head is proven into the history we checked.
  const target = anchor
    ? { tenant_head: anchor.tenant_head, tenant_inclusion: anchor.tenant_inclusion, checkpoint }
    : unprovenHead(group.tenantId, checkpoint);
  try {
    return openPeriodAudit(target, { keys, verifySignatures: signatures });
  } catch (error) {
    return asError(error);
  }
}

const DISCARD: GroupSink = { add() {}, addPlain() {}, endBatch() {}, progress: async () => {} };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Without a signed head the tree is still rebuilt, against this placeholder (only its
 * tenant and period matter: they check each receipt). Its root and size compare with
 * nothing: the rebuilt root is judged with the other tenants' against the global root.
 */
function unprovenHead(tenantId: string, checkpoint: CheckpointV1): TenantHeadV1 {
  const { period_start, period_end } = checkpoint;
  return { v: 1, tenant_id: tenantId, period_start, period_end, tree_size: 1, root_b64url: b64uEncode(sha256(new Uint8Array(0))) };
}

/**
 * Decides each group. With a given head, `auditPeriod` decided (head proven in the
 * checkpoint, root equal). Without one, every tenant of the period must be in the
 * export: their rebuilt heads, in tenant order, must give the checkpoint's global
 * root and tenant count, which proves all of them at once.
 */
function judge(settled: { group: Group; anchored: boolean; report: AuditReport | Error }[], checkpoints: readonly CheckpointV1[], chain: ChainReport): GroupResult[] {
  // Only the checkpoints before the chain's first break are verified (signed under --key, linked):
  // a root that matches an unverified checkpoint proves nothing, so it never gets a ✓.
  const verified = chain.ok ? checkpoints.length : chain.firstBreak!.index;
  const byPeriod = new Map<number, typeof settled>();
  for (const s of settled) {
    const members = byPeriod.get(s.group.period);
    if (members) members.push(s);
    else byPeriod.set(s.group.period, [s]);
  }
  const results: GroupResult[] = [];
  for (const [period, members] of [...byPeriod].sort(([a], [b]) => a - b)) {
    const checkpoint = checkpoints[period]!;
    const complete = members.every((m) => !(m.report instanceof Error)) && globalRootMatches(members.map((m) => m.report as AuditReport), checkpoint);
    for (const { group, anchored, report } of members.sort((a, b) => (a.group.tenantId < b.group.tenantId ? -1 : 1))) {
      const base = { tenant_id: group.tenantId, period_start: checkpoint.period_start, against: anchored ? 'tenant_head' : 'global_root' } as const;
      if (period >= verified) {
        const why = `checkpoint ${period} is not verified (the chain breaks at checkpoint ${verified}), so nothing is proven against it`;
        results.push({ ...base, ok: false, reason: why, ...(report instanceof Error ? {} : { report }) });
      } else if (report instanceof Error) {
        results.push({ ...base, ok: false, reason: oneLine(report) });
      } else if (anchored) {
        results.push({ ...base, ok: report.ok, ...(report.reason ? { reason: report.reason } : {}), report });
      } else {
        const other = [report.checks.receipts, report.checks.signatures].find((c) => c && !c.ok);
        const reason = other?.reason ?? (complete ? undefined : incompleteReason(group.tenantId, members.length, checkpoint));
        results.push({ ...base, ok: complete && !other, ...(reason ? { reason } : {}), report });
      }
    }
  }
  return results;
}

function globalRootMatches(reports: readonly AuditReport[], checkpoint: CheckpointV1): boolean {
  if (reports.length !== checkpoint.tree_size) return false;
  const heads = reports
    .map((r): TenantHeadV1 => ({ v: 1, tenant_id: r.tenantId, period_start: r.periodStart, period_end: r.periodEnd, tree_size: r.count, root_b64url: r.rootB64url }))
    .sort((a, b) => (a.tenant_id < b.tenant_id ? -1 : 1)); // tenant ids are ASCII: UTF-16 order is byte order
  return b64uEncode(merkleRoot(heads.map(tenantHeadHash))) === checkpoint.root_b64url;
}

function incompleteReason(tenantId: string, tenants: number, checkpoint: CheckpointV1): string {
  return `no signed tenant head was given (--head: GET /head?tenant_id=${tenantId}&period_start=${checkpoint.period_start}), ` +
    `and the ${tenants} tenant(s) in the export do not rebuild the checkpoint's global root over ${checkpoint.tree_size} tenant(s)`;
}

function printReport(io: AuditorIO, ok: boolean, chain: ChainReport, route: RouteReport, groups: GroupResult[], checkpoints: readonly CheckpointV1[]): void {
  const mark = (pass: boolean) => (pass ? '✓' : '✗');
  const span = checkpoints.length ? `, ${checkpoints[0]!.period_start} to ${checkpoints.at(-1)!.period_end}` : '';
  io.out(chain.ok
    ? `✓ checkpoints: ${chain.length} signed, chain unbroken${span}`
    : `✗ checkpoints: the chain breaks at checkpoint ${chain.firstBreak!.index}: ${chain.firstBreak!.reason}`);
  for (const g of groups) {
    const n = g.report ? receiptsText(g.report.count) : 'receipts';
    const how = g.against === 'tenant_head' ? 'root equals the signed tenant head, proven in the checkpoint'
      : "every tenant of the period rebuilt: the checkpoint's global root matches";
    io.out(`${mark(g.ok)} ${g.tenant_id} ${g.period_start}: ${n}${g.ok ? `, ${how}` : `: ${g.reason}`}`);
    for (const p of g.report?.problems.slice(0, 10) ?? []) io.out(`    ${p.eventId ?? `#${p.index}`}: ${p.reason}`);
    if (g.report && g.report.problemCount > 10) {
      const listed = g.report.problems.length; // --json lists the first 100 (the audit's maxProblems), and counts the rest
      const more = listed > 10 ? `, ${listed - 10} of them listed by --json` : '';
      io.out(`    … ${counted(g.report.problemCount - 10, 'more problem', 'more problems')}${more}${g.report.problemCount > listed ? `; ${g.report.problemCount - listed} counted but not listed` : ''}`);
    }
  }
  if (route.unsealed) io.out(`✗ in no period of the checkpoints file: ${receiptsText(route.unsealed)} (the open period, or checkpoints missing)`);
  if (route.unreadableCount) {
    io.out(`✗ ${counted(route.unreadableCount, 'line is', 'lines are')} not ${route.unreadableCount === 1 ? 'a receipt' : 'receipts'}`);
    for (const u of route.unreadable.slice(0, 10)) io.out(`    line ${u.line}: ${u.reason}`);
  }
  const trees = `${groups.length} tenant tree${groups.length === 1 ? '' : 's'}`;
  io.out(ok ? `✓ audit passed: ${receiptsText(route.receipts)} in ${trees}` : `✗ audit failed`);
}

function receiptsText(n: number): string {
  return `${thousands(n)} receipt${n === 1 ? '' : 's'}`;
}

function jsonReport(ok: boolean, chain: ChainReport, route: RouteReport, groups: GroupResult[]) {
  return {
    ok,
    receipts: route.receipts,
    // The command's JSON keeps the wire's snake_case; the library's reports are camelCase JS objects.
    chain: { ok: chain.ok, length: chain.length, ...(chain.firstBreak ? { firstBreak: chain.firstBreak } : {}), ...(chain.headB64url ? { head_b64url: chain.headB64url } : {}) },
    groups: groups.map(({ report, ...g }) => ({ ...g, ...(report ? groupDetails(report, g.against === 'tenant_head') : {}) })),
    unsealed: route.unsealed,
    unreadable: route.unreadable,
    unreadable_count: route.unreadableCount,
  };
}

/** Without a given head, auditPeriod compared with a placeholder: its `root` check and `tree_size` mean nothing, so they are left out. */
function groupDetails(report: AuditReport, anchored: boolean) {
  const { root: _placeholderRoot, ...checks } = report.checks;
  return {
    count: report.count,
    ...(anchored ? { tree_size: report.treeSize } : {}),
    root_b64url: report.rootB64url,
    in_order: report.inOrder,
    checks: anchored ? report.checks : checks,
    problems: report.problems.map(({ eventId, ...p }) => (eventId === undefined ? p : { index: p.index, event_id: eventId, reason: p.reason })),
    problem_count: report.problemCount,
  };
}
