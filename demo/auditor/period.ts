// Step 5: a whole period. Version 2: the export is self-contained (its header
// proves the head and the frontier it starts from), streamed from the file with
// a progress bar. Version 1: the export's receipts must rebuild exactly the
// tenant root that the period's signed checkpoint commits to; the tenant head
// comes with its proof up to that checkpoint: GET /head's answer or a sealed bundle.
import type { EvidenceBundle, EvidenceBundleV1, Receipt, TenantHeadV1 } from '../../src/protocol/index.js';
import { auditPeriod, type TrustOptions, type VerifyKey } from '../../src/verify/index.js';
import { byId, h, pill } from '../shared/dom.js';
import { auditExportFile, describeExport } from './export-panel.js';
import type { ExportFile, HeadProof } from './inputs.js';

interface Plan {
  tenant: string;
  receipts: Receipt[];
  /** What carries the head and its proof; auditPeriod proves the head from it. */
  target: HeadProof | EvidenceBundleV1;
  head: TenantHeadV1;
  /** Where the head came from, for the auditor. */
  from: string;
  /** Receipts loaded that are of no tenant and period with a head loaded: not audited, so the file is not proven whole. */
  others: number;
}

export interface PeriodPanel {
  update(receipts: Receipt[], bundles: (EvidenceBundle | EvidenceBundleV1)[], heads: HeadProof[], exports: ExportFile[]): void;
}

export function periodPanel(keys: () => VerifyKey[], trust: () => TrustOptions | undefined): PeriodPanel {
  const inputs = byId('period-inputs');
  const run = byId<HTMLButtonElement>('period-run');
  const progress = byId<HTMLProgressElement>('period-progress');
  const signatures = byId<HTMLInputElement>('period-signatures');
  const result = byId('period-result');
  /** One audit per tenant and period of the receipts loaded that has its head loaded, as `aegislog audit --export` groups them. */
  let plans: Plan[] = [];
  /** Every version-2 export loaded, audited one after the other in the order they came. */
  let exportFiles: ExportFile[] = [];
  /** What the shown result was computed from; when it changes, the result and any run still going are void. */
  let basis: unknown[] = [];
  let token = 0;
  let running = false;
  const ready = () => (exportFiles.length ? trust() !== undefined : plans.length > 0 && keys().length > 0);
  /** The shown result and any run still going are void: what they were computed from changed. */
  const invalidate = () => {
    token++;
    running = false;
    result.replaceChildren();
    progress.value = 0;
    progress.classList.remove('is-fail');
  };
  /** An audit stopped part-way (a file that could not be read to its end): the bar stays where it stopped, in red. */
  const stopped = () => progress.classList.add('is-fail');

  // A v2 result computed without the receipts' own signatures must not stand beside a ticked box (nor the reverse).
  // (A v1 audit always checks them: the box does not change it.)
  signatures.addEventListener('change', () => {
    if (!exportFiles.length) return;
    invalidate();
    run.disabled = !ready();
  });

  run.addEventListener('click', async () => {
    if ((!plans.length && !exportFiles.length) || running) return;
    const mine = token;
    running = true;
    run.disabled = true;
    progress.value = 0;
    progress.classList.remove('is-fail');
    // A stale run is stopped at its next progress report (the throw ends it) and writes nothing.
    const onProgress = (done: number, total: number | undefined) => {
      if (mine !== token) throw new Error('superseded');
      progress.value = total ? Math.min(1, done / total) : 1;
    };
    let shown: (Node | string)[];
    try {
      if (exportFiles.length) shown = await auditExports(exportFiles, trust()!, signatures.checked, result, onProgress, stopped);
      else {
        shown = await auditPlans(plans, keys(), result, onProgress, stopped);
      }
    } catch (error) {
      if (mine !== token) return;
      stopped();
      shown = [pill('fail', 'Audit failed'), ' ', (error as Error).message];
    }
    if (mine !== token) return;
    result.replaceChildren(...shown);
    running = false;
    run.disabled = !ready();
  });

  return {
    update(receipts, bundles, heads, exports) {
      exportFiles = exports;
      plans = exportFiles.length ? [] : plansOf(receipts, bundles.filter((b): b is EvidenceBundleV1 => b.v === 1), heads);
      const plan = plans.length === 1 ? plans[0] : undefined;
      const hasKeys = keys().length > 0;
      const now = [...exportFiles, ...plans.flatMap((p) => [p.target, ...p.receipts]), plans[0]?.others, ...keys(), trust()?.policy];
      if (now.length !== basis.length || now.some((x, i) => x !== basis[i])) {
        basis = now;
        invalidate();
      }
      if (exportFiles.length === 1) {
        inputs.replaceChildren(
          h('span', {}, `A version-2 export: ${describeExport(exportFiles[0]!)}. It carries its own proof: the tenant head and the one before, both in a signed checkpoint.`),
          trust() ? '' : h('span', {}, ' Pin a key or a policy to run the audit.'),
        );
      } else if (exportFiles.length > 1) {
        inputs.replaceChildren(
          h('span', {}, `${exportFiles.length} exports loaded (version 2), audited one after the other; each carries its own proof:`),
          h('ol', {}, ...exportFiles.map((file) => h('li', {}, describeExport(file)))),
          trust() ? '' : h('span', {}, ' Pin a key or a policy to run the audit.'),
        );
      } else if (receipts.length === 0) inputs.replaceChildren('Load a period export (NDJSON from GET /export). A version-1 export also needs its tenant head: the answer of GET /head, or any sealed bundle of that tenant and period.');
      else if (!plans.length) inputs.replaceChildren(`${receipts.length} receipts loaded. Add their tenant head (GET /head, or a sealed bundle of the same tenant and period): the signed root the receipts must add up to.`);
      else if (!plan) {
        const others = plans[0]!.others;
        inputs.replaceChildren(
          h('span', {}, `${receipts.length - others} receipts of ${plans.length} tenant periods, each audited against its own head:`),
          h('ol', {}, ...plans.map((p) => h('li', {}, describePlan(p)))),
          others ? h('span', {}, ` ${others} other receipt${others === 1 ? ' loaded is' : 's loaded are'} of no tenant and period whose head is loaded: not audited here.`) : '',
          hasKeys ? '' : h('span', {}, ' Pin a key to run the audit.'),
        );
      } else {
        inputs.replaceChildren(
          h('span', {}, `${plan.receipts.length} receipt${plan.receipts.length === 1 ? '' : 's'} of tenant `, h('code', {}, plan.tenant), `, period ${plan.head.period_start} → ${plan.head.period_end}; the head (tree size ${plan.head.tree_size}) comes from ${plan.from}.`),
          plan.others ? h('span', {}, ` ${plan.others} other receipt${plan.others === 1 ? ' loaded is' : 's loaded are'} not of this tenant and period: not audited here.`) : '',
          hasKeys ? '' : h('span', {}, ' Pin a key to run the audit.'),
        );
      }
      run.disabled = running || !ready();
    },
  };
}

/**
 * Audits each export in turn, one result block each (an auditor given a year of
 * periods checks them all, not just the last dropped), with one progress bar over all:
 * the bytes audited of all the files, so that one that could not be read to its end
 * leaves the bar short of 100% (`stopped` marks it).
 */
async function auditExports(
  files: ExportFile[],
  trust: TrustOptions,
  verifySignatures: boolean,
  result: HTMLElement,
  onProgress: (done: number, total: number | undefined) => void,
  stopped: () => void,
): Promise<(Node | string)[]> {
  if (files.length === 1) {
    result.replaceChildren(pill('info', `Auditing ${describeExport(files[0]!)}…`));
    return (await auditExportFile(files[0]!, trust, verifySignatures, onProgress)).shown;
  }
  const blocks: Node[] = [];
  let verified = 0;
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let before = 0;
  for (const [i, file] of files.entries()) {
    result.replaceChildren(pill('info', `Auditing export ${i + 1} of ${files.length}: ${describeExport(file)}…`));
    let shown: (Node | string)[];
    let read = 0;
    try {
      const audited = await auditExportFile(file, trust, verifySignatures, (done) => {
        read = done;
        onProgress(before + done, total);
      });
      shown = audited.shown;
      if (audited.ok) verified++;
    } catch (error) {
      // A superseded run ends here; any other failure is this export's result, and the next export is still audited.
      if ((error as Error).message === 'superseded') throw error;
      stopped();
      shown = [pill('fail', 'Audit failed'), ' ', (error as Error).message];
    }
    before += read;
    blocks.push(h('section', { 'data-export': String(i), 'aria-label': `Export ${i + 1}` }, h('h3', {}, `Export ${i + 1}: ${describeExport(file)}`), ...shown));
  }
  const all = verified === files.length;
  return [h('p', {}, pill(all ? 'ok' : 'fail', all ? 'All periods verified' : `${files.length - verified} of ${files.length} periods not verified`), ` ${files.length} exports audited.`), ...blocks];
}

/**
 * Groups the receipts by tenant and period, as `aegislog audit --export` does: one group per proven head loaded
 * (GET /head, else a sealed bundle; the first for a tenant and period) that holds receipts. A receipt of no such
 * head is counted in `others`: nothing loaded proves it.
 */
function plansOf(receipts: Receipt[], bundles: EvidenceBundleV1[], heads: HeadProof[]): Plan[] {
  const targets = [
    ...heads.map((proof) => ({ target: proof, head: proof.tenant_head, from: 'GET /head' })),
    ...bundles
      .filter((b): b is EvidenceBundleV1 & { tenant_head: TenantHeadV1 } => b.status === 'sealed' && !!b.tenant_head)
      .map((b) => ({ target: b, head: b.tenant_head, from: `the sealed bundle of event ${b.receipt.event_id}` })),
  ];
  const byTenant = new Map<unknown, Plan[]>();
  const seen = new Set<string>();
  for (const found of targets) {
    const key = JSON.stringify([found.head.tenant_id, found.head.period_start]);
    if (seen.has(key)) continue;
    seen.add(key);
    const plan: Plan = { tenant: found.head.tenant_id, receipts: [], others: 0, ...found };
    byTenant.set(plan.tenant, [...(byTenant.get(plan.tenant) ?? []), plan]);
  }
  let others = 0;
  for (const r of receipts) {
    const plan = byTenant.get(r.tenant_id)?.find(({ head }) => head.period_start <= r.received_at && r.received_at < head.period_end);
    if (plan) plan.receipts.push(r);
    else others++;
  }
  const plans = [...byTenant.values()].flat().filter((p) => p.receipts.length > 0);
  for (const p of plans) p.others = others;
  return plans;
}

function describePlan(p: Plan): string {
  return `${p.receipts.length} receipt${p.receipts.length === 1 ? '' : 's'} of tenant ${p.tenant}, period ${p.head.period_start} → ${p.head.period_end}; the head (tree size ${p.head.tree_size}) comes from ${p.from}`;
}

/**
 * Audits each tenant and period in turn. One alone is shown as it always was; several get one result block each
 * (a failing one named by its tenant and period) under one line that says whether all of them, and every receipt
 * loaded, verified.
 */
async function auditPlans(
  plans: Plan[],
  keys: VerifyKey[],
  result: HTMLElement,
  onProgress: (done: number, total: number) => void,
  stopped: () => void,
): Promise<(Node | string)[]> {
  if (plans.length === 1) {
    result.replaceChildren(pill('info', `Auditing ${plans[0]!.receipts.length} receipts…`));
    return (await audit(plans[0]!, keys, onProgress)).shown;
  }
  const total = plans.reduce((sum, p) => sum + p.receipts.length, 0);
  const blocks: Node[] = [];
  let verified = 0;
  let before = 0;
  for (const [i, plan] of plans.entries()) {
    result.replaceChildren(pill('info', `Auditing tenant period ${i + 1} of ${plans.length}: ${describePlan(plan)}…`));
    let shown: (Node | string)[];
    try {
      // Each block says its own tenant and period only: the receipts of none are said once, above them all.
      const audited = await audit({ ...plan, others: 0 }, keys, (done) => onProgress(before + Math.min(done, plan.receipts.length), total));
      shown = audited.shown;
      if (audited.ok) verified++;
    } catch (error) {
      // A superseded run ends here; any other failure is this group's result, and the next group is still audited.
      if ((error as Error).message === 'superseded') throw error;
      stopped();
      shown = [pill('fail', 'Audit failed'), ' ', (error as Error).message];
    }
    before += plan.receipts.length;
    blocks.push(h('section', { 'data-tenant-period': String(i), 'aria-label': `Tenant period ${i + 1}` }, h('h3', {}, `Tenant ${plan.tenant}, period ${plan.head.period_start} → ${plan.head.period_end}`), ...shown));
  }
  const others = plans[0]!.others;
  const failedCount = plans.length - verified;
  const headline = failedCount
    ? [pill('fail', `${failedCount} of ${plans.length} periods not verified`), ` ${plans.length} tenant periods audited.`]
    : others
      ? [pill('warn', 'Not every receipt audited'), ` ${plans.length} tenant periods verified; ${others} other receipt${others === 1 ? ' loaded is' : 's loaded are'} of no tenant and period whose head is loaded: nothing loaded proves ${others === 1 ? 'it' : 'them'}.`]
      : [pill('ok', 'All periods verified'), ` ${plans.length} tenant periods audited.`];
  return [h('p', {}, ...headline), ...blocks];
}

async function audit(plan: Plan, keys: VerifyKey[], onProgress: (done: number, total: number) => void): Promise<{ ok: boolean; shown: (Node | string)[] }> {
  const started = performance.now();
  // The target carries the tenant head with its proof up to the signed checkpoint: the head is proven, not trusted.
  const report = await auditPeriod(plan.receipts, plan.target, { keys, onProgress, verifySignatures: true });
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(report.count / Math.max(seconds, 1e-3)).toLocaleString('en');
  const checks = h(
    'ul',
    { class: 'list', 'aria-label': 'Period checks' },
    ...Object.entries(report.checks).map(([name, check]) =>
      h('li', { 'data-check': name }, pill(check.ok ? 'ok' : 'fail', check.ok ? 'pass' : 'fail'), h('span', { class: 'check-name' }, name), h('span', { class: 'reason' }, check.reason ?? PERIOD_CHECKS[name] ?? '')),
    ),
  );
  const problems = report.problems.slice(0, 10).map((p) => h('li', {}, `#${p.index + 1}${p.eventId ? ` (${p.eventId})` : ''}: ${p.reason}`));
  // Receipts loaded beside this tenant's period are proven by nothing here: `aegislog audit` fails such a file.
  const others = plan.others
    ? ` ${plan.others} other receipt${plan.others === 1 ? ' loaded is' : 's loaded are'} not of tenant ${plan.tenant}'s period: no tenant head loaded proves ${plan.others === 1 ? 'it' : 'them'}.`
    : '';
  const headline = report.ok && others
    ? [pill('warn', 'Not every receipt audited'), ` ${report.count === 1 ? '1 receipt' : `${report.count} receipts`} of ${plan.tenant} ${report.count === 1 ? 'rebuilds' : 'rebuild'} the signed tenant root;${others}`]
    : report.ok
    ? [pill('ok', 'Period verified'), ` ${report.count === 1 ? '1 receipt, signed by a pinned key, rebuilds' : `${report.count} receipts, each signed by a pinned key, rebuild`} the signed tenant root (${seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`}, ${rate} receipts/s).`]
    : [pill('fail', 'Period audit failed'), ` ${report.reason ?? ''}`];
  const shown = [
    h('p', {}, ...headline),
    checks,
    problems.length ? h('ul', { class: 'hint', 'aria-label': 'Problems' }, ...problems) : '',
    report.problemCount > problems.length ? h('p', { class: 'hint' }, `${report.problemCount - problems.length} more ${report.problemCount - problems.length === 1 ? 'problem' : 'problems'}.`) : '',
  ];
  return { ok: report.ok && !others, shown };
}

const PERIOD_CHECKS: Record<string, string> = {
  head: "The tenant head is in the period's signed checkpoint",
  receipts: "Every receipt is the tenant's and lies inside the period",
  root: 'The receipts rebuild exactly the signed tenant root',
  signatures: 'Every receipt is signed by a pinned key',
};
