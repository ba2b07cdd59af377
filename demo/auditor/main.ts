// The auditor page: pin a key or a policy, load evidence, see every check.
// Everything is computed here; the only request this page makes after loading
// is a JWKS fetch the auditor asks for. Version-2 evidence and version-1
// evidence both verify (the verifier dispatches on `v`).
import type { CheckpointV1, EvidenceBundle, EvidenceBundleV1 } from '../../src/protocol/index.js';
import { b64uDecode, verifyCheckpointChain, verifyEvidence, verifyHistory } from '../../src/verify/index.js';
import { byId, h, pill } from '../shared/dom.js';
import { gapsPanel } from './gaps-panel.js';
import { historySummary, historyTimeline } from './history.js';
import { contentKey, identityOf, parseEvidenceFile, sameBytes, parseEvidenceText, type EvidenceItem, type ParseResult } from './inputs.js';
import { keysPanel } from './keys-panel.js';
import { periodPanel } from './period.js';
import { bundleCard, chainTimeline, verdictOf } from './render.js';

/** Cards drawn at most; the summary still counts every bundle. */
const MAX_CARDS = 200;

/** Everything loaded, in order; only the same content loaded again is left out. */
const items: EvidenceItem[] = [];
/** Content keys of what is loaded: an export's key only says its header and size, sameBytes decides. */
const contents = new Map<string, EvidenceItem[]>();
/** Origins that evidence came from (links from the chat demo say so): a JWKS from one of them proves nothing. */
const evidenceOrigins = new Set<string>();
let generation = 0;

const keys = keysPanel(() => evidenceOrigins, () => void refresh());
const period = periodPanel(() => keys.keys(), () => keys.trust());
const loadStatus = byId('load-status');

function addText(text: string, source: string): void {
  const batch = statusBatch();
  void addParsed(() => parseEvidenceText(text, source), source, batch);
}

/**
 * What one drop, choice or paste loaded: a line per file, kept for the whole batch (the third file's
 * line does not hide the first one's problem), a failed line marked as such.
 */
interface StatusBatch {
  line(text: string, failed: boolean): void;
}
let batches = 0;
function statusBatch(): StatusBatch {
  const mine = ++batches;
  const lines: HTMLElement[] = [];
  return {
    line(text, failed) {
      lines.push(h('span', { class: 'load-line', ...(failed ? { 'data-failed': '' } : {}) }, failed ? pill('fail', 'not loaded') : '', failed ? ' ' : '', text));
      // A later batch has the status line now: this one's late lines are not written over it.
      if (mine === batches) loadStatus.replaceChildren(...lines.flatMap((line, i) => (i ? [h('br'), line] : [line])));
    },
  };
}

/** Adds one at a time, so that a file compared with the loaded ones is not raced by the next. */
let adding = Promise.resolve();
function addParsed(parse: () => ParseResult | Promise<ParseResult>, source: string, batch: StatusBatch): Promise<void> {
  // A file that cannot be read (moved, deleted, no permission) is said, naming it; the next ones still load.
  adding = adding.then(async () => add(await parse(), source, batch)).catch((error: unknown) => {
    batch.line(`${source}: could not be read: ${error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)}`, true);
  });
  return adding;
}

async function add({ items: found, problems }: ParseResult, source: string, batch: StatusBatch): Promise<void> {
  let added = 0;
  // What this file added: a value it gives twice is kept twice (an export with a receipt line twice is not the
  // period's entries, which `aegislog audit` fails); only what an earlier file or paste loaded is left out.
  const mine = new Set<string>();
  for (const item of found) {
    const key = contentKey(item);
    const same = contents.get(key) ?? [];
    if (!mine.has(key) && (await isLoaded(item, same))) continue;
    mine.add(key);
    contents.set(key, [...same, item]);
    items.push(item);
    added++;
  }
  const skipped = found.length - added;
  const parts = [`${source}: ${added} item${added === 1 ? '' : 's'} added`];
  if (skipped) parts.push(`${skipped} already loaded`);
  if (problems.length) parts.push(`${problems.length} skipped (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''})`);
  batch.line(parts.join(', ') + '.', found.length === 0);
  void refresh();
}

async function isLoaded(item: EvidenceItem, same: EvidenceItem[]): Promise<boolean> {
  if (item.kind !== 'export') return same.length > 0;
  for (const other of same) if (other.kind === 'export' && (await sameBytes(other.value.blob, item.value.blob))) return true;
  return false;
}

async function addFiles(files: FileList | null): Promise<void> {
  // A v2 export stays a file (streamed when audited); everything else is read as text.
  const batch = statusBatch();
  for (const file of files ?? []) await addParsed(() => parseEvidenceFile(file, file.name), file.name, batch);
}

function ofKind<K extends EvidenceItem['kind']>(kind: K): Extract<EvidenceItem, { kind: K }>[] {
  return items.filter((item): item is Extract<EvidenceItem, { kind: K }> => item.kind === kind);
}

/** Re-verifies everything loaded against the pinned keys and policy. Later calls supersede earlier ones. */
async function refresh(): Promise<void> {
  const mine = ++generation;
  keys.recheck(evidenceOrigins);
  const pinned = keys.keys();
  const trust = keys.trust();
  const checkpoints = ofKind('checkpoint').map((item) => item.value).sort(byPeriod);
  const bundles = ofKind('bundle');
  const histories = ofKind('history');

  // Each section is computed and drawn on its own: one that throws (malformed evidence) shows
  // its error where its result would be, and the others still update.
  const chainRun = attempt(async () => (pinned.length > 0 && checkpoints.length > 0 ? await verifyCheckpointChain(checkpoints, { keys: pinned }) : undefined));
  // The verifier needs a key or a policy for every check; without one the page shows the events and their flags only.
  const reportsRun = attempt(() => Promise.all(bundles.map((item) => (trust ? verifyEvidence(item.value, { ...trust, checkpoints }) : undefined))));
  const historyRun = attempt(() => Promise.all(histories.map((item) => (trust ? verifyHistory(item.value, trust) : undefined))));
  const [chain, reports, historyReports] = await Promise.all([chainRun, reportsRun, historyRun]);
  if (mine !== generation) return;

  section('summary', ['bundles'], () => {
    const verdicts = reports().map((report) => verdictOf(report).state);
    const count = (state: string) => verdicts.filter((v) => v === state).length;
    const summary = byId('summary');
    if (bundles.length === 0) summary.replaceChildren(h('span', { class: 'empty' }, 'No evidence bundles loaded.'));
    else {
      summary.replaceChildren(
        `${bundles.length} bundle${bundles.length === 1 ? '' : 's'}:`,
        count('ok') ? pill('ok', `${count('ok')} verified`) : '',
        count('warn') ? pill('warn', `${count('warn')} ${trust ? 'signed, pending seal' : 'awaiting a key'}`) : '',
        count('fail') ? pill('fail', `${count('fail')} failed`) : '',
      );
    }
    const cards = bundles.slice(0, MAX_CARDS).map((item, i) => bundleCard(item.value as EvidenceBundle | EvidenceBundleV1, reports()[i], item.source));
    if (bundles.length > MAX_CARDS) cards.push(h('p', { class: 'hint' }, `Showing the first ${MAX_CARDS} bundles; the summary counts all ${bundles.length}.`));
    byId('bundles').replaceChildren(...cards);
  });

  // Step 4: every v2 history loaded, each with its own verdict (a failing one is never hidden behind a
  // later one that passes), then the v1 checkpoint chain when v1 checkpoints are loaded too.
  section('chain-summary', ['chain'], () => {
    const summaries: (Node | string)[] = [];
    const drawn: HTMLLIElement[] = [];
    const several = histories.length + (checkpoints.length ? 1 : 0) > 1;
    histories.forEach((item, i) => {
      const report = historyReports()[i];
      const summary = historySummary(report, item.value);
      summaries.push(several ? h('div', { 'data-history': String(i) }, `${item.source}: `, summary) : summary);
      if (several) drawn.push(h('li', { class: `is-${report ? (report.ok ? 'ok' : 'fail') : 'warn'}`, 'data-history-source': String(i) }, h('div', { class: 'check-name' }, item.source)));
      drawn.push(...historyTimeline(item.value, report));
    });
    if (checkpoints.length > 0 || histories.length === 0) {
      const report = chain();
      let line: Node;
      if (checkpoints.length === 0) line = h('span', { class: 'empty' }, 'No checkpoints loaded: drop the answer of GET /checkpoints.');
      else if (!report) line = pill('warn', `${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'}, not checked: pin a key`);
      else line = report.ok ? pill('ok', `${report.length} checkpoint${report.length === 1 ? '' : 's'}, chain intact`) : pill('fail', `chain broken at checkpoint ${report.firstBreak!.index + 1}: ${report.firstBreak!.reason}`);
      summaries.push(several ? h('div', { 'data-chain': '' }, 'Version-1 checkpoints: ', line) : line);
      if (several && checkpoints.length) drawn.push(h('li', { class: 'is-warn', 'data-history-source': 'v1' }, h('div', { class: 'check-name' }, 'Version-1 checkpoints')));
      drawn.push(...chainTimeline(checkpoints, report));
    }
    byId('chain-summary').replaceChildren(...summaries);
    byId('chain').replaceChildren(...drawn);
  });

  section('conflicts', [], showConflicts);
  section('period-inputs', [], () =>
    period.update(
      ofKind('receipt').map((item) => item.value),
      bundles.map((item) => item.value),
      ofKind('head').map((item) => item.value),
      ofKind('export').map((item) => item.value),
    ),
  );
}

/** Runs `work`; the result is a getter that gives its value or throws its error when the section is drawn. */
async function attempt<T>(work: () => Promise<T>): Promise<() => T> {
  try {
    const value = await work();
    return () => value;
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

/** Draws one section; if it throws, says so in `id` and empties the elements it would have filled. */
function section(id: string, also: string[], draw: () => void): void {
  try {
    draw();
  } catch (error) {
    byId(id).replaceChildren(pill('fail', 'Could not show this'), ` ${error instanceof Error ? error.message : String(error)}`);
    for (const other of also) byId(other).replaceChildren();
  }
}

/** Identities claimed by more than one different file: each is shown, and flagged here. */
function showConflicts(): void {
  // One text given twice (an export's line repeated) is no clash: only different contents under one identity are.
  const sources = new Map<string, EvidenceItem[]>();
  for (const item of items) {
    const identity = identityOf(item);
    const seen = sources.get(identity);
    if (!seen) sources.set(identity, [item]);
    else if (item.kind === 'export' || !seen.some((other) => contentKey(other) === contentKey(item))) seen.push(item);
  }
  const clashes = [...sources].map(([identity, seen]) => [identity, seen.map((item) => item.source)] as const).filter(([, from]) => from.length > 1);
  byId('conflicts').replaceChildren(
    ...(clashes.length
      ? [pill('fail', `${clashes.length} identit${clashes.length === 1 ? 'y' : 'ies'} claimed by different files: one of each is not genuine`),
        h('ul', { class: 'list' }, ...clashes.map(([identity, from]) => h('li', {}, `${identity}: ${from.join(', ')}`)))]
      : []),
  );
}

function byPeriod(a: CheckpointV1, b: CheckpointV1): number {
  return a.period_start < b.period_start ? -1 : a.period_start > b.period_start ? 1 : 0;
}

/** Links from the chat demo carry one pending bundle in the fragment (never sent to a server) and the API's origin. */
function loadFromFragment(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const from = params.get('from');
  if (from) {
    try {
      evidenceOrigins.add(new URL(from).origin);
    } catch {
      /* not a URL: ignore */
    }
  }
  const bundle = params.get('bundle');
  if (bundle) {
    try {
      addText(new TextDecoder().decode(b64uDecode(bundle, 'bundle')), 'the link');
    } catch (error) {
      loadStatus.replaceChildren(pill('fail', 'not loaded'), ` The link's evidence could not be read: ${(error as Error).message}`);
    }
  }
}

function wireEvidenceInputs(): void {
  const zone = byId('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    void addFiles(event.dataTransfer?.files ?? null);
  });
  const files = byId<HTMLInputElement>('files');
  files.addEventListener('change', () => void addFiles(files.files).then(() => (files.value = '')));
  const text = byId<HTMLTextAreaElement>('evidence-text');
  byId('evidence-add').addEventListener('click', () => {
    if (text.value.trim() === '') {
      batches++;
      loadStatus.textContent = 'Paste a bundle, a list of bundles, an NDJSON export or checkpoints first.';
      return;
    }
    addText(text.value, 'pasted text');
    text.value = '';
  });
  byId('evidence-clear').addEventListener('click', () => {
    items.length = 0;
  contents.clear();
    batches++;
    loadStatus.textContent = 'Evidence cleared.';
    void refresh();
  });
}

/** Offline once loaded: a service worker keeps this folder's files (see sw.ts). */
function registerOffline(): void {
  const status = byId('net-status');
  const show = () => status.replaceChildren(navigator.onLine ? 'Online · nothing is sent' : 'Offline · fully functional');
  addEventListener('online', show);
  addEventListener('offline', show);
  show();
  if ('serviceWorker' in navigator && location.protocol.startsWith('http')) {
    navigator.serviceWorker.register('./sw.js').catch(() => {
      /* offline use then relies on the HTTP cache; verification itself never needs the network */
    });
  }
}

wireEvidenceInputs();
gapsPanel(byId('main'));
registerOffline();
addEventListener('hashchange', loadFromFragment);
loadFromFragment();
void refresh();
