// What `aegislog audit --gaps` and the auditor page's loss panel both refuse before counting:
// an empty file, and an entry of a tenant log given twice (its event would count twice, as a repeat).
// Pure: each caller reads its files its own way and turns a message into its own error.
//
// Overlap is found by entry, not by file: each receipt line names its tenant log (the origin of the
// export header above it, and its tenant_id) and its leaf_index, and no entry may come twice in the set.
// A file's first lines cannot tell exports apart: two exports of the open period taken at different
// times start alike, a stale open export starts like the sealed one of its period, and a file may hold
// several exports one after another, or a blank line after its header.

import { parseStrictJson } from './duplicate-names.js';

/** A run of consecutive entries [lo, hi) of one tenant log, all from one file (the `file`-th given, named `name`). */
interface Run {
  lo: number;
  hi: number;
  file: number;
  name: string;
}

/** Checks one set of exports, file by file and line by line; a message means the set cannot be counted. */
export function gapInputCheck(): { file(name: string): { line(text: string): string | undefined; end(): string | undefined } } {
  /** Per tenant log, the entries seen as disjoint runs sorted by `lo`: an export's lines are consecutive, so runs stay few. */
  const logs = new Map<string, Run[]>();
  let files = 0;
  return {
    file(name) {
      // By count, not name: one path given twice is two files, and counts twice.
      const file = files++;
      let content = false;
      /** The origin of the last export header read in this file: the log its receipt lines are entries of. */
      let origin = '';
      return {
        line(text) {
          if (text.trim() === '') return undefined;
          content = true;
          const value = parse(text);
          if (value === undefined) return undefined; // the counter refuses the line
          if (value.kind === 'aegislog-export') {
            origin = typeof value.origin === 'string' ? value.origin : '';
            return undefined;
          }
          const { tenant_id: tenant, leaf_index: leaf } = value;
          // A line without a leaf index (a version-1 export) names no entry: nothing to compare.
          if (typeof tenant !== 'string' || !Number.isSafeInteger(leaf) || (leaf as number) < 0) return undefined;
          const log = origin ? `${origin} ${tenant}` : tenant;
          let runs = logs.get(`${origin}\u0000${tenant}`);
          if (!runs) logs.set(`${origin}\u0000${tenant}`, (runs = []));
          const other = add(runs, leaf as number, file, name);
          if (other === undefined) return undefined;
          const fix = 'give each period once, the latest export of an open one';
          if (other.file === file) return `${name} holds entry ${leaf} of ${log} twice: ${fix}`;
          if (other.name === name) return `${name} is given twice (${log}: entry ${leaf}): ${fix}`;
          return `${name} and ${other.name} overlap (${log}: entry ${leaf}): ${fix}`;
        },
        end: () => (content ? undefined : `${name} is empty: an export has a header line, then one line per receipt`),
      };
    },
  };
}

/** Adds entry `n` of the file to the runs; the run that held it already, if one did. */
function add(runs: Run[], n: number, file: number, name: string): Run | undefined {
  // The first run that ends after n: the only one that can hold n, or the one n goes before.
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[mid]!.hi <= n) lo = mid + 1;
    else hi = mid;
  }
  const next = runs[lo];
  if (next && next.lo <= n) return next;
  const before = runs[lo - 1];
  if (before && before.hi === n && before.file === file) {
    before.hi++;
    // Joins the next run of the same file when the hole between them closes.
    if (next && next.lo === before.hi && next.file === file) {
      before.hi = next.hi;
      runs.splice(lo, 1);
    }
  } else if (next && next.lo === n + 1 && next.file === file) next.lo = n;
  else runs.splice(lo, 0, { lo: n, hi: n + 1, file, name });
  return undefined;
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = parseStrictJson(line); // a member twice: the counter refuses the line too
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
