// Loss an auditor can see: per client_id, the client_seq numbers missing from one or several
// period exports fetched with events=true, and the aegislog.dropped events that account for them
// (PROTOCOL.md §2, §6.2). Each line's event is checked against its receipt's digest before it
// counts. Files are read as streams, so an export of any size never sits in the page whole.
// The panel builds its own section: the page only mounts it.
import { MAX_LINE } from '../../src/verify/export-input.js';
import { gapInputCheck } from '../../src/verify/gap-inputs.js';
import { gapLineCounter, readGapLine } from '../../src/verify/gaps.js';
import type { ClientGaps, GapReport } from '../../src/verify/index.js';
import { h, pill, short } from '../shared/dom.js';
import { notUtf8 } from './inputs.js';

const n = (x: number) => x.toLocaleString('en-US');
const ranges = (list: [number, number][], max = 12) =>
  list.slice(0, max).map(([lo, hi]) => (lo === hi ? n(lo) : `${n(lo)}–${n(hi)}`)).join(', ') + (list.length > max ? `, … (${n(list.length)} ranges)` : '');

/** Mounts the panel at the end of `parent`. */
export function gapsPanel(parent: HTMLElement): void {
  const input = h('input', { id: 'gaps-files', class: 'visually-hidden', type: 'file', multiple: true, accept: '.ndjson,.jsonl,.txt,application/x-ndjson' });
  const status = h('div', { id: 'gaps-summary', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'empty' }, 'No export loaded.'));
  const result = h('div', { id: 'gaps-result' });
  parent.append(
    h('section', { class: 'card', 'aria-labelledby': 'gaps-heading' },
      h('h2', { id: 'gaps-heading' }, 'Loss: missing sequence numbers'),
      h('p', { class: 'hint' },
        'Clients number every record of a queue store (client_id, client_seq), dropped ones included, and tell their drops in signed aegislog.dropped events. ',
        'Load the period exports fetched with events=true (GET /export?…&events=true): the numbers that never arrived show here, with the drops that account for them. ',
        'Each event is checked against its receipt’s digest, not the receipts against the log: audit the same exports in “Audit a whole period” above.'),
      input,
      h('label', { for: 'gaps-files', class: 'button secondary file-button' }, 'Choose exports…'),
      status,
      result,
    ),
  );
  /** The latest choice: an earlier count still reading stops, and its late result is never drawn over this one's. */
  let runs = 0;
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (!files.length) return;
    const mine = ++runs;
    const current = () => mine === runs;
    status.replaceChildren(pill('info', `Counting ${files.length} export${files.length === 1 ? '' : 's'}…`));
    result.replaceChildren();
    count(files, current).then(
      (report) => current() && render(report, files.length, status, result),
      (error: Error) => current() && status.replaceChildren(pill('fail', 'Not counted'), ' ', error.message),
    );
  });
}

/** Streams each file's lines into one counter; refuses, as `aegislog audit --gaps` does, an empty file or a period given twice. */
async function count(files: File[], current: () => boolean): Promise<GapReport> {
  const counter = gapLineCounter();
  const inputs = gapInputCheck();
  const refuse = (problem: string | undefined) => {
    if (problem) throw new Error(problem);
  };
  for (const file of files) {
    const check = inputs.file(file.name);
    // Strictly UTF-8, as `aegislog audit --gaps` reads: a bad byte read as U+FFFD is another text than the file holds.
    const reader = file.stream().getReader();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    // The line not yet ended, in pieces joined once when it ends: joined and split again with each chunk, a line
    // of n chunks cost n²/2 chunks' worth of work (as `aegislog audit --gaps` keeps it, src/cli/input.ts).
    let pieces: string[] = [];
    /** UTF-16 units of the line not yet ended. */
    let carried = 0;
    let line = 0;
    /** Bytes read, and where the line not yet ended starts: a bad sequence lies after it. */
    let offset = 0;
    let lineStart = 0;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // The file moved, was deleted or cannot be read: say which one.
        throw new Error(`${file.name} could not be read: ${(error as Error).message}`);
      }
      if (!current()) {
        await reader.cancel().catch(() => undefined);
        throw new Error('superseded by a later choice');
      }
      const { done, value } = chunk;
      let decoded: string;
      try {
        decoded = done ? decoder.decode() : decoder.decode(value, { stream: true });
      } catch {
        const end = offset + (value?.length ?? 0);
        throw new Error(notUtf8(file.name, new Uint8Array(await file.slice(lineStart, end).arrayBuffer()), lineStart, line));
      }
      if (value) {
        const nl = value.lastIndexOf(0x0a);
        if (nl >= 0) lineStart = offset + nl + 1;
        offset += value.length;
      }
      const end = done ? decoded.length : decoded.lastIndexOf('\n');
      let parts: string[] = [];
      if (end < 0) {
        pieces.push(decoded);
        carried += decoded.length;
      } else {
        parts = (pieces.join('') + decoded.slice(0, end)).split('\n');
        pieces = [decoded.slice(end + 1)];
        carried = pieces[0]!.length;
      }
      // As `aegislog audit --gaps`: no line of an export is that long, and one is never held whole in the page.
      const long = parts.findIndex((part) => part.length > MAX_LINE);
      if (long >= 0 || carried > MAX_LINE) throw new Error(`${file.name} line ${line + (long >= 0 ? long : parts.length) + 1} is longer than ${MAX_LINE / 2 ** 20} MiB: no line of an export is`);
      for (const part of parts) {
        const read = readGapLine(part); // once, for the check and the counter
        refuse(check.read(read));
        counter.addRead(read, { line: ++line, source: file.name });
      }
      if (done) break;
    }
    refuse(check.end());
  }
  return counter.report();
}

function render(report: GapReport, files: number, status: HTMLElement, result: HTMLElement): void {
  const numbered = report.events - report.unnumbered;
  const unaccounted = report.clients.reduce((s, c) => s + c.unaccounted, 0);
  status.replaceChildren(
    `${n(report.events)} events in ${files} export${files === 1 ? '' : 's'}, ${n(numbered)} numbered by ${report.clients.length} client${report.clients.length === 1 ? '' : 's'}: `,
    report.ok ? pill('ok', 'every missing number accounted for') : pill('fail', unaccounted ? `${n(unaccounted)} missing, unaccounted` : 'see below'),
  );
  const rows = report.clients.map(clientRow);
  const table = h('table', { class: 'gaps' },
    h('thead', {}, h('tr', {}, ...['client_id', 'seen', 'highest', 'missing', 'told by aegislog.dropped', 'unaccounted', 'repeated'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows),
  );
  // The report lists the first refused lines and counts them all.
  const refused = report.refusedCount
    ? h('div', {}, pill('fail', `${n(report.refusedCount)} ${report.refusedCount === 1 ? 'line' : 'lines'} refused`),
      h('ul', { class: 'list' }, ...report.refused.slice(0, 20).map((r) => h('li', {}, `${r.source ?? ''}:${r.line}: ${r.reason}`))))
    : null;
  const hint = h('p', { class: 'hint' }, 'Loss after a client\'s highest number is out of sight: load every export of the periods its events went to.');
  result.replaceChildren(...(report.clients.length ? [table] : []), refused ?? '', report.unnumbered ? h('p', { class: 'hint' }, `${n(report.unnumbered)} events carry no numbers (sent by recordSync, the Python SDK or another sender).`) : '', hint);
}

function clientRow(c: ClientGaps): HTMLTableRowElement {
  const notes = c.noteCount ? h('div', { class: 'hint' }, c.notes.join('; ') + (c.noteCount > c.notes.length ? `; … ${n(c.noteCount - c.notes.length)} more (${n(c.noteCount)} in all)` : '')) : null;
  const told = c.dropped.map((d) => `${n(d.count)} in ${n(d.firstSeq)}–${n(d.lastSeq)}`).join(', ');
  return h('tr', {},
    h('td', { title: c.clientId }, h('code', {}, short(c.clientId))),
    h('td', {}, n(c.seen)),
    h('td', {}, n(c.highest)),
    h('td', {}, c.missingCount ? `${n(c.missingCount)}: ${ranges(c.missing)}` : 'none'),
    h('td', {}, told || '—'),
    h('td', {}, c.unaccounted ? pill('fail', n(c.unaccounted)) : pill('ok', '0'), notes),
    h('td', {}, c.duplicateCount ? pill('fail', `${c.duplicates.slice(0, 5).map((d) => n(d.seq)).join(', ')}${c.duplicateCount > 5 ? ` … (${n(c.duplicateCount)} in all)` : ''}`) : '—'),
  );
}
