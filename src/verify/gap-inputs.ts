// What `aegislog audit --gaps` and the auditor page's loss panel both refuse before counting:
// an empty file, and an entry of a tenant log given twice (its event would count twice, as a repeat).
// Pure: each caller reads its files its own way and turns a message into its own error.
//
// Overlap is found by entry, not by file: each receipt line names its tenant log (the origin of the
// export header above it, and its tenant_id) and its leaf_index, and no entry may come twice in the set.
// A file's first lines cannot tell exports apart: two exports of the open period taken at different
// times start alike, a stale open export starts like the sealed one of its period, and a file may hold
// several exports one after another, or a blank line after its header.

import { readGapLine, type GapLine } from './gaps.js';
import { Runs } from './runs.js';

/** The check of one file: `read` takes a line as the counter read it (`readGapLine`, once for both), `line` reads it itself. */
export interface GapInputFile {
  line(text: string): string | undefined;
  read(line: GapLine): string | undefined;
  end(): string | undefined;
}

/** Checks one set of exports, file by file and line by line; a message means the set cannot be counted. */
export function gapInputCheck(): { file(name: string): GapInputFile } {
  /** Per tenant log, the entries seen, each tagged with the file that held it first: an export's lines are consecutive, so runs stay few. */
  const logs = new Map<string, Runs>();
  /** The files' names, by their index, which tags their entries. */
  const names: string[] = [];
  return {
    file(name) {
      // By count, not name: one path given twice is two files, and counts twice.
      const file = names.push(name) - 1;
      let content = false;
      /** The origin of the last export header read in this file: the log its receipt lines are entries of. */
      let origin = '';
      const check: GapInputFile = {
        line: (text) => check.read(readGapLine(text)),
        read(read) {
          if ('blank' in read) return undefined;
          content = true;
          // Not JSON, a member twice, not an object: the counter refuses the line.
          if (!('value' in read) || typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) return undefined;
          const value = read.value as Record<string, unknown>;
          if (value.kind === 'aegislog-export') {
            origin = typeof value.origin === 'string' ? value.origin : '';
            return undefined;
          }
          const { tenant_id: tenant, leaf_index: leaf } = value;
          // A line without a leaf index (a version-1 export) names no entry: nothing to compare.
          if (typeof tenant !== 'string' || !Number.isSafeInteger(leaf) || (leaf as number) < 0) return undefined;
          const log = origin ? `${origin} ${tenant}` : tenant;
          let entries = logs.get(`${origin}\u0000${tenant}`);
          if (!entries) logs.set(`${origin}\u0000${tenant}`, (entries = new Runs()));
          const other = entries.add(leaf as number, file);
          if (other === undefined) return undefined;
          const fix = 'give each period once, the latest export of an open one';
          if (other === file) return `${name} holds entry ${leaf} of ${log} twice: ${fix}`;
          if (names[other] === name) return `${name} is given twice (${log}: entry ${leaf}): ${fix}`;
          return `${name} and ${names[other]} overlap (${log}: entry ${leaf}): ${fix}`;
        },
        end: () => (content ? undefined : `${name} is empty: an export has a header line, then one line per receipt`),
      };
      return check;
    },
  };
}
