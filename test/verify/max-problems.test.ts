// maxProblems, checked: NaN (an unset variable read as a number) listed no problem in a period audit and every one
// in an export audit, which then kept every problem of the file and lost its bounded memory.
import { describe, expect, it } from 'vitest';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import { auditExport, auditPeriod } from '../../src/verify/index.js';

describe('maxProblems', () => {
  it.each([Number.NaN, -1, 2.5, '100'])('%j is refused with ERR_CONFIG before anything is read, by both audits', async (maxProblems) => {
    let read = false;
    const lines = (async function* () {
      read = true;
      yield exportText;
    })();
    await expect(auditExport(lines, { policy: 'quorum none\n', maxProblems: maxProblems as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'maxProblems' });
    await expect(auditPeriod([], { tenant_id: 't', period_start: 'x' } as never, { keys: [], maxProblems: maxProblems as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'maxProblems' });
    expect(read).toBe(false);
  });

  it('bounds what an export audit lists; the count stays exact', async () => {
    // Every line after the header made bad, three times over: one problem each (it cannot be hashed), and the entry missing.
    const [header, ...rest] = exportText.trim().split('\n');
    const broken = [header, ...rest.flatMap(() => Array<string>(3).fill('{"not":"a receipt"}'))].join('\n');
    const report = await auditExport([broken], { policy: 'quorum none\n', maxProblems: 2 });
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(2);
    expect(report.problemCount).toBeGreaterThan(2);
  });
});
