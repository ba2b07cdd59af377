// An audit called without options (a JavaScript caller's `auditExport(file)`): the caller's mistake, which each
// verifier throws as ERR_KEY_INVALID naming what to give. They threw a bare TypeError ("Cannot read properties of
// undefined (reading 'maxProblems')"), which names nothing the caller wrote.
import { describe, expect, it } from 'vitest';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import bundle from '../vectors/aegislog-v2/bundles/acme-bank-p0-leaf0.json';
import history from '../vectors/aegislog-v2/histories/history-full-2of2.json';
import { auditExport, auditPeriod, verifyEvidence, verifyHistory } from '../../src/verify/index.js';

describe('the audits without options', () => {
  it.each([undefined, null])('options %j: each throws ERR_KEY_INVALID, not a TypeError', async (options) => {
    await expect(auditExport(exportText, options as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(auditPeriod([], { tenant_id: 'acme-bank', root_b64url: 'x' } as never, options as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keys' });
    await expect(verifyHistory(history, options as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifyEvidence(bundle, options as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keys' });
  });

  it('and the same as with empty options', async () => {
    await expect(auditExport(exportText, {} as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifyHistory(history, {} as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });
});
