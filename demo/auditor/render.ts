// Steps 3 and 4: one card per evidence bundle (every check passed, failed with
// its reason, or skipped with why; the witnesses; the compliance flags) and the
// version-1 checkpoint chain as a timeline.
import type { CheckpointV1, EvidenceBundle, EvidenceBundleV1 } from '../../src/protocol/index.js';
import type { ChainReport, CheckName, EvidenceReport } from '../../src/verify/index.js';
import { complianceOf } from '../../src/verify/compliance.js';
import { h, pill, short } from '../shared/dom.js';

const CHECKS_V1: ReadonlyArray<[CheckName | 'bundle', string]> = [
  ['bundle', 'The file is an evidence bundle of format v1 or v2'],
  ['digest', 'The event hashes (SHA-256 of its RFC 8785 JSON) to the digest the receipt signs'],
  ['receipt_signature', 'The receipt is signed by a pinned key'],
  ['inclusion', "The receipt is a leaf of the tenant's Merkle tree for its period"],
  ['tenant_inclusion', "The tenant's head is a leaf of the period's global tree"],
  ['checkpoint_signature', "The period's checkpoint is signed by a pinned key"],
  ['period', "Received inside the checkpoint's period; the tenant head is the receipt's tenant"],
  ['chain', 'The checkpoint belongs to the loaded checkpoint chain'],
];
const CHECKS_V2: ReadonlyArray<[CheckName | 'bundle', string]> = [
  ['bundle', 'The file is an evidence bundle of format v1 or v2'],
  ['digest', 'The event hashes (SHA-256 of its RFC 8785 JSON) to the digest the receipt signs'],
  ['receipt_signature', "The receipt is signed by the pinned key, or the policy's ECDSA log key"],
  ['inclusion', "The receipt is the entry at leaf_index of the tenant's log, under the tenant head's root"],
  ['period', "Received inside the head's period, among the period's entries, by the head's tenant"],
  ['head_inclusion', "The tenant head is an entry of the root log, under the checkpoint's root"],
  ['checkpoint_signature', "The checkpoint note is the bundle's log's, signed by a log key you trust"],
  ['witnesses', "The policy's quorum of witnesses cosigned this very checkpoint"],
  ['consistency', 'The checkpoint extends an earlier one you trust'],
];
const SEAL_CHECKS = { 1: ['inclusion', 'tenant_inclusion', 'checkpoint_signature'], 2: ['inclusion', 'head_inclusion', 'checkpoint_signature'] } as const;

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
  // (a sealed bundle whose every required check passed is Verified; skipped optional checks do not change that)
  if (!report) return { state: 'warn', label: 'No key pinned' };
  if (!report.ok) return { state: 'fail', label: 'Failed' };
  return report.status === 'pending' ? { state: 'warn', label: 'Signed, not yet sealed' } : { state: 'ok', label: 'Verified' };
}

export function bundleCard(bundle: EvidenceBundle | EvidenceBundleV1, report: EvidenceReport | undefined, source: string): HTMLElement {
  const verdict = verdictOf(report);
  const version = bundle.v === 1 ? 1 : 2;
  const event = bundle.event ?? {};
  const receipt = bundle.receipt ?? {};
  const title = typeof event.event_type === 'string' ? event.event_type : 'evidence';
  const eventId = String(receipt.event_id ?? event.event_id ?? '?');
  const shown = (version === 1 ? CHECKS_V1 : CHECKS_V2).filter(([name]) => name !== 'bundle' || report?.checks.bundle);
  const states = shown.map(([name, what]) => checkState(name, what, bundle, report));
  // A signed or sealed receipt says nothing for an event that does not hash to its digest.
  const signature = report?.checks.digest?.ok === true && report.checks.receipt_signature?.ok === true;
  const proven = report?.checks.digest?.ok === true && SEAL_CHECKS[version].every((name) => report?.checks[name]?.ok === true);
  const sealed = (version === 2 ? proven && report?.checks.receipt_signature?.status !== 'failed' : signature && proven) && report?.checks.witnesses?.status !== 'failed';
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
  const periodOf = bundle.v === 1 ? bundle.checkpoint : bundle.tenant_head;
  const period = periodOf ? `${String(periodOf.period_start)} → ${String(periodOf.period_end)}` : 'open, not sealed yet';
  return h(
    'article',
    { class: `result is-${verdict.state}`, 'aria-label': `${title} ${eventId}: ${verdict.label}` },
    h('header', {}, h('h3', {}, title), pill(verdict.state, verdict.label), h('span', { class: 'hint' }, `${String(bundle.status)} bundle, v${version}`), h('span', { class: 'spacer' }), h('code', { title: eventId }, short(eventId, 14))),
    h('p', { class: 'meta-line' }, `Tenant ${String(receipt.tenant_id ?? '?')} · received ${String(receipt.received_at ?? '?')} · period ${period} · from ${source}`),
    h('ul', { class: 'flags checks', 'aria-label': 'Checks' }, ...states.map(({ name, state, what }) => h('li', { 'data-check': name, title: what }, pill(state, name)))),
    version === 2 && bundle.status === 'sealed' ? witnessLine(report) : '',
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

/** Who cosigned the checkpoint, or that no witness was required (and why). */
function witnessLine(report: EvidenceReport | undefined): HTMLElement | string {
  const check = report?.checks.witnesses;
  if (!report || !check) return '';
  const cosigners = report.cosigners ?? [];
  const names = cosigners.map((c) => `${c.witness} (${new Date(c.timestamp * 1000).toISOString().replace('.000Z', 'Z')})`);
  let text: string;
  if (check.status === 'skipped') text = `No witness required: ${check.reason}`;
  else if (check.status === 'passed') text = `Cosigned by ${names.join(', ')}; quorum ${report.quorum ?? '?'} met`;
  else text = `Witness quorum ${report.quorum ?? ''} not met${names.length ? `; valid cosignatures: ${names.join(', ')}` : ''}`;
  return h('p', { class: 'meta-line', 'data-witnesses': check.status }, text);
}

interface CheckState {
  name: string;
  what: string;
  state: 'ok' | 'fail' | 'info';
  reason: string;
}

function checkState(name: CheckName | 'bundle', what: string, bundle: EvidenceBundle | EvidenceBundleV1, report: EvidenceReport | undefined): CheckState {
  const check = report?.checks[name];
  if (!report) return { name, what, state: 'info', reason: 'not checked: pin a public key or a policy (step 1) first.' };
  if (check?.status === 'skipped') return { name, what, state: 'info', reason: `skipped: ${check.reason ?? ''}` };
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
      h('div', { class: 'hint' }, `${String(checkpoint.tree_size ?? '?')} tenant${checkpoint.tree_size === 1 ? '' : 's'} · root ${short(String(checkpoint.root_b64url ?? '?'), 8)} · sealed ${String(checkpoint.sealed_at ?? '?')}`),
      h('div', { class: 'reason' }, note),
    );
  });
}

/** `2026-11-28 10:04:05 UTC`: to the second, which tells apart periods sealed on demand. */
function when(time: unknown): string {
  // String(): a malformed checkpoint may hold a number or nothing here.
  return `${String(time ?? '?').slice(0, 19).replace('T', ' ')} UTC`;
}
