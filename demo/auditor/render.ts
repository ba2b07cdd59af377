// Steps 3 and 4: one card per evidence bundle (every check green or red with
// its reason, the compliance flags) and the checkpoint chain as a timeline.
import type { CheckpointV1, EvidenceBundleV1 } from '../../src/protocol/index.js';
import type { ChainReport, CheckName, EvidenceReport } from '../../src/verify/index.js';
import { complianceOf } from '../../src/server/compliance.js';
import { h, pill, short } from '../shared/dom.js';

const CHECKS: ReadonlyArray<[CheckName | 'bundle', string]> = [
  ['bundle', 'The file is an evidence bundle of format v1'],
  ['digest', 'The event hashes (SHA-256 of its RFC 8785 JSON) to the digest the receipt signs'],
  ['receipt_signature', 'The receipt is signed by a pinned key'],
  ['inclusion', "The receipt is a leaf of the tenant's Merkle tree for its period"],
  ['tenant_inclusion', "The tenant's head is a leaf of the period's global tree"],
  ['checkpoint_signature', "The period's checkpoint is signed by a pinned key"],
  ['period', "Received inside the checkpoint's period; the tenant head is the receipt's tenant"],
  ['chain', 'The checkpoint belongs to the loaded checkpoint chain'],
];
const SEAL_CHECKS = ['inclusion', 'tenant_inclusion', 'checkpoint_signature'] as const;

const FLAGS = [
  ['eu_ai_act_article_12', 'EU AI Act Art. 12: record-keeping'],
  ['eu_ai_act_article_14_human_oversight', 'EU AI Act Art. 14: human oversight'],
  ['time_machine_defense', 'Time Machine Defense'],
  ['full_traceability', 'Full traceability'],
  ['non_repudiation', 'Non-repudiation'],
  ['immutable_record', 'Immutable record'],
] as const;

/** The verdict of one bundle as a word and a colour; no report means no key is pinned yet. */
export function verdictOf(report: EvidenceReport | undefined): { state: 'ok' | 'fail' | 'warn'; label: string } {
  if (!report) return { state: 'warn', label: 'No key pinned' };
  if (!report.ok) return { state: 'fail', label: 'Failed' };
  return report.status === 'pending' ? { state: 'warn', label: 'Signed, not yet sealed' } : { state: 'ok', label: 'Verified' };
}

export function bundleCard(bundle: EvidenceBundleV1, report: EvidenceReport | undefined, source: string): HTMLElement {
  const verdict = verdictOf(report);
  const event = bundle.event ?? {};
  const receipt = bundle.receipt ?? {};
  const title = typeof event.event_type === 'string' ? event.event_type : 'evidence';
  const eventId = String(receipt.event_id ?? event.event_id ?? '?');
  const shown = CHECKS.filter(([name]) => name !== 'bundle' || report?.checks.bundle);
  const states = shown.map(([name, what]) => checkState(name, what, bundle, report));
  // A signed or sealed receipt says nothing for an event that does not hash to its digest.
  const signature = report?.checks.digest?.ok === true && report.checks.receipt_signature?.ok === true;
  const sealed = signature && SEAL_CHECKS.every((name) => report?.checks[name]?.ok === true);
  const compliance = complianceOf(event, typeof receipt.received_at === 'string' ? receipt.received_at : undefined, { signature, sealed });
  const flags = FLAGS.map(([flag, label]) => {
    if (!report && (flag === 'non_repudiation' || flag === 'immutable_record')) return h('li', {}, pill('info', `${label}: needs a key`));
    if (flag === 'immutable_record' && bundle.status === 'pending') return h('li', {}, pill('info', `${label}: once sealed`));
    return h('li', {}, pill(compliance[flag] ? 'ok' : 'fail', label));
  });
  const present = Object.entries(compliance.fields_present)
    .map(([context, fields]) => [context, Object.entries(fields).filter(([, on]) => on).map(([field]) => field)] as const)
    .filter(([, fields]) => fields.length > 0);
  // Reasons are shown for what did not pass; the same reason for several checks is said once.
  const reasons = new Map<string, string[]>();
  for (const { name, state, reason } of states) if (state !== 'ok') reasons.set(reason, [...(reasons.get(reason) ?? []), name]);
  const period = bundle.checkpoint ? `${bundle.checkpoint.period_start} → ${bundle.checkpoint.period_end}` : 'open, not sealed yet';
  return h(
    'article',
    { class: `result is-${verdict.state}`, 'aria-label': `${title} ${eventId}: ${verdict.label}` },
    h('header', {}, h('h3', {}, title), pill(verdict.state, verdict.label), h('span', { class: 'hint' }, `${bundle.status} bundle`), h('span', { class: 'spacer' }), h('code', { title: eventId }, short(eventId, 14))),
    h('p', { class: 'meta-line' }, `Tenant ${String(receipt.tenant_id ?? '?')} · received ${String(receipt.received_at ?? '?')} · period ${period} · from ${source}`),
    h('ul', { class: 'flags checks', 'aria-label': 'Checks' }, ...states.map(({ name, state, what }) => h('li', { 'data-check': name, title: what }, pill(state, name)))),
    reasons.size
      ? h('ul', { class: 'reasons' }, ...[...reasons].map(([reason, names]) => h('li', { 'data-reason': names.join(' ') }, h('b', {}, `${names.join(', ')}: `), reason)))
      : '',
    h('ul', { class: 'flags', 'aria-label': 'Compliance flags' }, ...flags),
    h(
      'details',
      {},
      h('summary', {}, 'What each check proves, context fields, raw evidence'),
      h('ul', { class: 'list' }, ...states.map(({ name, what }) => h('li', {}, h('span', { class: 'check-name' }, name), h('span', { class: 'reason' }, what)))),
      h('dl', { class: 'meta' }, ...present.flatMap(([context, fields]) => [h('dt', {}, context), h('dd', {}, fields.join(', '))])),
      h('pre', { class: 'mono raw' }, JSON.stringify(bundle, null, 2)),
    ),
  );
}

interface CheckState {
  name: string;
  what: string;
  state: 'ok' | 'fail' | 'info';
  reason: string;
}

function checkState(name: CheckName | 'bundle', what: string, bundle: EvidenceBundleV1, report: EvidenceReport | undefined): CheckState {
  const check = report?.checks[name];
  if (!report) return { name, what, state: 'info', reason: 'not checked: pin the public key (step 1) first.' };
  if (check) return { name, what, state: check.ok ? 'ok' : 'fail', reason: check.reason ?? 'failed' };
  let reason = 'not checked.';
  if (name === 'chain') reason = 'not applicable: load the checkpoints of earlier periods to check the chain.';
  else if (bundle.status === 'pending') reason = 'not applicable yet: pending evidence is proven once its period is sealed.';
  return { name, what, state: 'info', reason };
}

/** Checkpoints oldest first, each link green up to the first break, which is red with its reason. */
export function chainTimeline(checkpoints: readonly CheckpointV1[], report: ChainReport | undefined): HTMLLIElement[] {
  return checkpoints.map((checkpoint, index) => {
    let state: 'ok' | 'fail' | 'warn' = 'ok';
    let note = index === 0 ? (checkpoint.prev_b64url === null ? 'First checkpoint of the log' : 'Links to an earlier checkpoint not loaded') : 'Signed, and names the previous checkpoint by hash';
    const breakAt = report?.firstBreak?.index;
    if (!report) {
      state = 'warn';
      note = 'Pin a key to check signatures and links';
    } else if (breakAt !== undefined && index === breakAt) {
      state = 'fail';
      note = report.firstBreak!.reason;
    } else if (breakAt !== undefined && index > breakAt) {
      state = 'warn';
      note = 'Not checked: the chain is broken before this checkpoint';
    }
    return h(
      'li',
      { class: `is-${state}` },
      h('div', { class: 'row' }, h('span', { class: 'when' }, `${when(checkpoint.period_start)} → ${when(checkpoint.period_end)}`), pill(state, state === 'ok' ? 'linked' : state === 'fail' ? 'broken' : 'unchecked')),
      h('div', { class: 'hint' }, `${checkpoint.tree_size} tenant${checkpoint.tree_size === 1 ? '' : 's'} · root ${short(String(checkpoint.root_b64url), 8)} · sealed ${checkpoint.sealed_at}`),
      h('div', { class: 'reason' }, note),
    );
  });
}

/** `2026-11-28 10:04:05 UTC`: to the second, which tells apart periods sealed on demand. */
function when(time: string): string {
  return `${time.slice(0, 19).replace('T', ' ')} UTC`;
}
