// The README's "Package entries" table is where a newcomer learns what to import: every name it
// puts in backticks must be exported by that entry (as the reviewed API report has it), every
// entry of package.json's exports has a row, and the bin row lists every `aegislog` command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { ROOT } from './project.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const table = readme.slice(readme.indexOf('## Package entries'), readme.indexOf('\n\n', readme.indexOf('| import |')));
const rows = new Map(
  [...table.matchAll(/^\| `(aegislog[^`]*)`( \(bin\))? \| ([^|]*) \|/gm)].map((m) => [`${m[1]}${m[2] ?? ''}`, m[3]!]),
);

/** Names an entry exports, from its API report(s) (the Node and the Web build of one subpath together). */
function exported(entry: string): Set<string> {
  const base = entry === 'aegislog' ? 'aegislog' : `aegislog-${entry.slice('aegislog/'.length)}`;
  const names = new Set<string>();
  for (const file of [`${base}.api.md`, `${base}.browser.api.md`]) {
    let text = '';
    try {
      text = readFileSync(join(ROOT, 'api', file), 'utf8');
    } catch {
      continue;
    }
    for (const [, name] of text.matchAll(/^export (?:declare )?(?:abstract )?(?:interface|type|function|const|class|enum|namespace|let) (\w+)/gm)) names.add(name!);
  }
  return names;
}

describe('README, "Package entries"', () => {
  it('has a row for every subpath of package.json\'s exports', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    // Files (package.json, the self-contained browser builds) are not entries.
    const subpaths = Object.keys(pkg.exports).filter((s) => !/\.\w+$/.test(s)).map((s) => (s === '.' ? 'aegislog' : `aegislog/${s.slice(2)}`));
    expect([...rows.keys()].filter((k) => !k.endsWith('(bin)')).sort()).toEqual(subpaths.sort());
  });

  it.each([...rows].filter(([entry]) => !entry.endsWith('(bin)')))('every name the %s row shows is exported by it', (entry, what) => {
    const names = exported(entry);
    expect(names.size).toBeGreaterThan(0);
    const shown = [...what.matchAll(/`@?(\w+)`/g)].map((m) => m[1]!);
    expect(shown.filter((name) => !names.has(name))).toEqual([]);
  });

  it('the bin row lists every aegislog command', () => {
    const shown = [...rows.get('aegislog (bin)')!.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    expect(shown).toEqual(commands.map((c) => c.name));
  });
});
