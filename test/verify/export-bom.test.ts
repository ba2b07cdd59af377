// A byte order mark may open a JSON text at the start of the input only (RFC 8259 §8.1, and the CLI's
// decodeUtf8); inside an export, before a receipt line, it makes that line not JSON, as the
// version-1 reader (ndjson.ts, export-groups.ts) has it. The version-2 reader decoded each line
// with a decoder that drops a leading BOM, so such a line was read as if the BOM were not there.
import { describe, expect, it } from 'vitest';
import exportText from '../vectors/aegislog-v2/exports/beta.health-p4.ndjson?raw';
import policy from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import { auditExport } from '../../src/verify/index.js';

const now = Date.parse('2026-12-31T00:00:00.000Z');
const BOM = '\ufeff';
const lines = exportText.trimEnd().split('\n');

describe('a byte order mark in a version-2 export', () => {
  it('at the start of the export (before the header) is allowed', async () => {
    const report = await auditExport(`${BOM}${exportText}`, { policy, now });
    expect(report.ok).toBe(true);
  });

  it('before a receipt line makes that line not JSON: entries fail, naming it', async () => {
    const changed = lines.map((line, i) => (i === 2 ? `${BOM}${line}` : line));
    const report = await auditExport(`${changed.join('\n')}\n`, { policy, now });
    expect(report.ok).toBe(false);
    expect(report.checks.entries.status).toBe('failed');
    expect(report.problems[0]).toMatchObject({ line: 3, check: 'entries', reason: 'the line is not JSON' });
  });
});
