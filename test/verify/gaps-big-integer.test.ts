// An event carrying an integer beyond ±(2^53−1) (1e+21: one exact double, and digested as such): the export
// audit's events check digests it as plain RFC 8785 (read.ts digestOf: an auditor digests whatever event it was
// given) and passes the line, while the gap counter digested it with the sender's rule (§1, which refuses such
// integers before anything is sent) and refused the very same line: `aegislog audit --gaps` failed an export
// whose every check passed, and lost the line's client_seq. Both now read the event alike.
import { describe, expect, it } from 'vitest';
import { b64uEncode } from '../../src/protocol/index.js';
import { auditExport, gapCounter } from '../../src/verify/index.js';
import { digestOf } from '../../src/verify/read.js';
import { firstHeadExport, testLogKey } from './helpers/first-head-export.js';

const event = { tenant_id: 'alpha', event_type: 'model_inference', event_id: 'e1', trace_id: 'e1', client_id: 'c1', client_seq: 1, tokens: 1e21 };
const receipt = {
  v: 1, tenant_id: 'alpha', event_id: 'e1', digest_b64url: b64uEncode(digestOf(event)), received_at: '2026-10-01T00:00:01.000Z',
  key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 'e1', signature_b64url: 'AA',
};
const line = JSON.stringify({ ...receipt, leaf_index: 0, event });

describe('an event with an integer beyond 2^53 in an export with events', () => {
  it('passes the export audit, events included', async () => {
    const origin = 'log.example/big-integer';
    const { signer, policy } = await testLogKey(origin);
    const report = await auditExport(await firstHeadExport(origin, signer, [receipt], [line]), { policy });
    expect(report.checks.events).toEqual({ status: 'passed', ok: true });
    expect(report.ok).toBe(true);
  });

  it('is counted by the gap counter, as the audit reads it', () => {
    const counter = gapCounter();
    counter.addLine(line);
    const report = counter.report();
    expect(report.refused).toEqual([]);
    expect(report).toMatchObject({ ok: true, events: 1, refusedCount: 0, clients: [expect.objectContaining({ clientId: 'c1', seen: 1, highest: 1 })] });
  });
});
