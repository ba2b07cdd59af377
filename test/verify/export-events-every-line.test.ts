// An export made with &events=true carries each line's event (PROTOCOL.md §6.2), and the auditor checks every
// one against its receipt. A line left without its event among lines that carry theirs has nothing checked:
// `events` must fail naming it, not pass over the others (and onEvent, which counts client_seq gaps, never
// sees it). The export is the own vectors' alpha-p1-events.ndjson, 300 lines with events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditExport } from '../../src/verify/index.js';

const DIR = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(DIR, path), 'utf8');
const now = new Date((JSON.parse(read('manifest.json')) as { now: string }).now);
const policy = read('policy-none.txt');
const lines = read('exports/alpha-p1-events.ndjson').trimEnd().split('\n');

/** The export with the events of the given lines (1-based, after the header) taken out. */
function withoutEvents(...at: number[]): string {
  return `${lines.map((line, k) => (at.includes(k) ? JSON.stringify({ ...JSON.parse(line), event: undefined }) : line)).join('\n')}\n`;
}

describe('an events export with a line that carries no event', () => {
  it('fails events, naming each such line, and the root still holds', async () => {
    for (const at of [[1], [150], [300], [2, 299]]) {
      const report = await auditExport(withoutEvents(...at), { policy, now });
      expect(report.checks.root.status, `${at}`).toBe('passed');
      expect(report.checks.events, `${at}`).toMatchObject({ status: 'failed', reason: expect.stringMatching(new RegExp(`^${at.length} ${at.length === 1 ? 'event that does not match its receipt' : 'events that do not match their receipts'} \\(first: leaf_index ${at[0]! + 2}: the line carries no event, where \\d+ lines of the export carry theirs`)) });
      expect(report.problems.filter((p) => p.check === 'events').map((p) => p.leafIndex)).toEqual(at.map((k) => k + 2));
      expect(report.ok).toBe(false);
    }
  });

  it('an export whose lines carry no event at all still skips events, and one that carries them all passes', async () => {
    const plain = `${lines.map((line, k) => (k === 0 ? line : JSON.stringify({ ...JSON.parse(line), event: undefined }))).join('\n')}\n`;
    expect((await auditExport(plain, { policy, now })).checks.events.status).toBe('skipped');
    expect((await auditExport(withoutEvents(), { policy, now })).checks.events.status).toBe('passed');
  });
});
