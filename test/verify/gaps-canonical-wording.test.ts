// The same export line, an event that RFC 8785 cannot encode (a lone surrogate): the export audit's events check
// said "the event cannot be canonicalised: …", the gap counter "the event has no canonical form: …". One fault of
// one line, read by `aegislog audit` and by its `--gaps`, is now said in the same words.
import { describe, expect, it } from 'vitest';
import { auditExport, gapCounter } from '../../src/verify/index.js';
import { firstHeadExport, testLogKey } from './helpers/first-head-export.js';

const receipt = {
  v: 1, tenant_id: 'alpha', event_id: 'e1', digest_b64url: 'A'.repeat(43), received_at: '2026-10-01T00:00:01.000Z',
  key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 'e1', signature_b64url: 'AA',
};
// JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse reads back as one.
const line = JSON.stringify({ ...receipt, leaf_index: 0, event: { tenant_id: 'alpha', event_type: 'x', event_id: 'e1', trace_id: 'e1', prompt: '\ud800' } });

describe('an event that cannot be canonicalised', () => {
  it('is refused by the gap counter in the words of the export audit', async () => {
    const origin = 'log.example/lone-surrogate';
    const { signer, policy } = await testLogKey(origin);
    const report = await auditExport(await firstHeadExport(origin, signer, [receipt], [line]), { policy });
    const audit = report.problems.find((p) => p.check === 'events')!.reason;
    expect(audit).toBe('the event cannot be canonicalised: prompt contains a lone surrogate (not valid Unicode)');
    const counter = gapCounter();
    counter.addLine(line);
    expect(counter.report().refused).toEqual([{ line: 1, reason: audit }]);
  });
});
