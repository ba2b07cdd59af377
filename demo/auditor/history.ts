// Step 4 for version 2: a checkpoint history (GET /checkpoints, PROTOCOL.md §6.3)
// drawn oldest first, each checkpoint with its signature, and between each pair
// the consistency proof that the later one extends the earlier (append-only).
import type { CheckpointHistory, HistoryEntry } from '../../src/protocol/index.js';
import type { Check, HistoryReport } from '../../src/verify/index.js';
import { h, pill, short } from '../shared/dom.js';

/** Entries drawn at most: a long history still has every pair checked, and the summary says so. */
const MAX_DRAWN = 200;

export function historySummary(report: HistoryReport | undefined, history: CheckpointHistory): HTMLElement {
  const n = history.checkpoints.length;
  const checkpoints = `${n} checkpoint${n === 1 ? '' : 's'}`;
  if (!report) return pill('warn', `${checkpoints} of ${String(history.origin)}, not checked: pin a key or a policy`);
  if (report.ok) {
    const first = report.entries[0]?.treeSize;
    const last = report.entries.at(-1)?.treeSize;
    const witnessed = report.checks.witnesses.status === 'passed' ? `, the newest cosigned by ${report.cosigners.map((c) => c.witness).join(', ')}` : '';
    return pill('ok', `${checkpoints} of ${report.origin}, ${n === 1 ? `size ${first}: signed` : `sizes ${first} to ${last}: signed and append-only`}${witnessed}`);
  }
  return pill('fail', `history fails: ${report.reason}`);
}

/** The timeline: checkpoints as dots, and a link between each pair with its consistency check. */
export function historyTimeline(history: CheckpointHistory, report: HistoryReport | undefined): HTMLLIElement[] {
  const items: HTMLLIElement[] = [];
  const entries = history.checkpoints.slice(-MAX_DRAWN);
  const offset = history.checkpoints.length - entries.length;
  if (offset > 0) items.push(h('li', { class: 'is-warn' }, h('div', { class: 'hint' }, `${offset} older checkpoints checked, not drawn`)));
  entries.forEach((raw, k) => {
    // A malformed entry (null, a number) is drawn as an empty one: its checks say what is wrong.
    const entry: Partial<HistoryEntry> = typeof raw === 'object' && raw !== null ? raw : {};
    const index = offset + k;
    const r = report?.entries[index];
    if (k > 0 || offset > 0) {
      const link = r?.consistency;
      items.push(h('li', { class: `link is-${stateOf(link)}`, 'data-consistency': String(index) },
        pill(stateOf(link), link ? linkLabel(link, index) : 'consistency not checked'),
        link && link.status !== 'passed' ? h('span', { class: 'reason' }, ` ${link.reason ?? ''}`) : ''));
    }
    const size = r?.treeSize ?? entry.tree_size ?? '?';
    items.push(h('li', { class: `is-${stateOf(r?.signature)}`, 'data-checkpoint': String(index) },
      h('div', { class: 'row' }, h('span', { class: 'when' }, `#${index} · size ${String(size)}`), pill(stateOf(r?.signature), r?.signature.ok ? 'signed' : r ? 'not signed' : 'unchecked')),
      h('div', { class: 'hint' }, `${show(entry.period_start)} → ${show(entry.period_end)} · sealed ${show(entry.sealed_at)}${r?.rootB64url ? ` · root ${short(r.rootB64url, 8)}` : ''}`),
      r && r.signature.status !== 'passed' ? h('div', { class: 'reason' }, r.signature.reason ?? '') : ''));
  });
  return items;
}

const show = (value: unknown) => String(value ?? '?');

function stateOf(check: Check | undefined): 'ok' | 'fail' | 'warn' {
  if (!check) return 'warn';
  return check.status === 'passed' ? 'ok' : check.status === 'failed' ? 'fail' : 'warn';
}

function linkLabel(check: Check, index: number): string {
  if (check.status === 'passed') return `consistent: #${index} extends #${index - 1}`;
  if (check.status === 'failed') return `not consistent with #${index - 1}`;
  return 'consistency not checked';
}
