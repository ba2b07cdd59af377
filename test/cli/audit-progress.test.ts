// `aegislog audit EXPORT` asks auditExport for progress only when it draws a bar: with
// onProgress, auditExport gives the host a turn every 16,384 lines so that a page can paint.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ExportAuditOptions } from '../../src/verify/index.js';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';

const calls: ExportAuditOptions[] = [];
vi.mock('../../src/verify/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/verify/index.js')>();
  return {
    ...actual,
    auditExport: (source: Parameters<typeof actual.auditExport>[0], options: ExportAuditOptions) => {
      calls.push(options);
      return actual.auditExport(source, options);
    },
  };
});

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const ARGS = [join(V, 'exports/acme-bank-p0.ndjson'), '--policy', join(V, 'policy-none.txt'), '--now', '2026-12-31T00:00:00.000Z'];

async function audit(progress: ReturnType<typeof fakeIO>['progress']) {
  calls.length = 0;
  const io = fakeIO({ progress });
  const code = await auditCommand.run(ARGS, io);
  return { code, out: io.stdout, options: calls[0]! };
}

describe('aegislog audit EXPORT and progress', () => {
  it('asks for progress on a terminal only, and prints the same report either way', async () => {
    const piped = await audit(null);
    const drawn: string[] = [];
    const terminal = await audit({ write: (t: string) => drawn.push(t), columns: 80 });
    expect(piped.code).toBe(0);
    expect(piped.options).not.toHaveProperty('onProgress');
    expect(terminal.options.onProgress).toBeTypeOf('function');
    expect(terminal).toMatchObject({ code: piped.code, out: piped.out });
  });
});
