#!/usr/bin/env node
// `npm run bench`: every benchmark side by side with its peer, in one run.
// Each bench script prints its own table and, as its last JSON line, rows of
// { name, value, unit, target?, peer?, peerValue?, peerUnit?, ok? }. This collects them,
// prints one table and writes bench/RESULTS.md with the machine, versions and date.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// `--update`: the benches named replace their own sections of RESULTS.md, each dated; the others stay as they were.
const update = process.argv.includes('--update');
const only = process.argv.slice(2).filter((a) => a !== '--update');
const scripts = readdirSync(here)
  .filter((f) => /-bench\.mjs$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections = [];
for (const script of scripts) {
  process.stderr.write(`\n== ${script}\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--expose-gc', join(here, script)], {
    cwd: join(here, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stderr.write(run.stdout ?? '');
  const rows = lastJsonRows(run.stdout ?? '');
  sections.push({ script, status: run.status, seconds: (Date.now() - started) / 1000, rows });
}

const versions = JSON.parse(readFileSync(join(here, '..', 'package-lock.json'), 'utf8')).packages;
const version = (name) => versions[`node_modules/${name}`]?.version ?? '-';
const peers = ['jose', 'merkletreejs', '@sentry/browser', 'posthog-js', '@segment/analytics-next', 'better-sqlite3', '@noble/curves', '@noble/hashes'];
const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'not installed';

const lines = [
  '# Benchmark results',
  '',
  `Made by \`npm run bench\` on ${new Date().toISOString()}.`,
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}; ${chromium}.`,
  '',
  `Versions: ${peers.map((p) => `${p} ${version(p)}`).join(', ')}.`,
  '',
];
for (const s of sections) {
  lines.push(`## ${s.script}${s.status === 0 ? '' : ` (exit ${s.status})`}`, '');
  if (update) lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end (other work shared the cores).`, '');
  if (s.rows.length === 0) {
    lines.push('No figures reported.', '');
    continue;
  }
  lines.push('| measure | value | target | peer | peer value | meets target |', '|---|---|---|---|---|---|');
  for (const r of s.rows) {
    lines.push(`| ${r.name} | ${fmt(r.value)} ${r.unit ?? ''} | ${r.target ?? ''} | ${r.peer ?? ''} | ${r.peerValue === undefined ? '' : `${fmt(r.peerValue)} ${r.peerUnit ?? r.unit ?? ''}`} | ${r.ok === undefined ? '' : r.ok ? 'yes' : '**no**'} |`);
  }
  lines.push('');
}
// A run of some benches only (`node bench/run.mjs client`) prints; it does not replace the full record.
if (only.length === 0) writeFileSync(join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
else if (update) writeFileSync(join(here, 'RESULTS.md'), merged(readFileSync(join(here, 'RESULTS.md'), 'utf8'), lines));
console.log(lines.join('\n'));
process.exitCode = sections.every((s) => s.status === 0) ? 0 : 1;

/** RESULTS.md with the sections of the scripts just run replaced (or added), the rest kept. */
function merged(previous, lines) {
  const split = (text) => {
    const parts = text.split(/^(?=## )/m);
    return { head: parts[0], sections: new Map(parts.slice(1).map((p) => [p.slice(3).split(/[\s(]/)[0], p])) };
  };
  const old = split(previous);
  const fresh = split(`${lines.join('\n')}\n`);
  for (const [name, text] of fresh.sections) old.sections.set(name, text);
  const names = [...old.sections.keys()].sort();
  const note = 'Sections of benches not run then keep their earlier figures; a dated section was measured later, by `node bench/run.mjs --update NAME`, on the Node of the head unless it names another.\n\n';
  // The head describes the last full run (its machine and Node); an updated section names its own Node.
  const head = old.head.replace(/Sections of benches not run[^\n]*\n\n/, '');
  return head + note + names.map((n) => old.sections.get(n)).join('');
}

/** The figures: the last stdout line that is a JSON array of rows, or an object with `rows`. */
function lastJsonRows(stdout) {
  for (const line of stdout.trim().split('\n').reverse()) {
    const text = line.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) continue;
    try {
      const parsed = JSON.parse(text);
      const rows = Array.isArray(parsed) ? parsed : parsed.rows;
      if (Array.isArray(rows)) return rows.filter((r) => r && typeof r === 'object');
    } catch {
      /* not the figures line */
    }
  }
  return [];
}

function fmt(v) {
  if (typeof v !== 'number') return String(v ?? '');
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}
