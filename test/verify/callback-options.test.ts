// onEvent and onProgress given as something other than a function (a JavaScript caller's slip: a result instead of
// the callback, a string from a config): the audits threw a raw TypeError ("onEvent is not a function") once the
// first event or the end was reached, naming nothing the caller wrote. They now refuse it before a line is read,
// as maxProblems is refused: ERR_CONFIG naming the option.
import { describe, expect, it } from 'vitest';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import { b64uEncode, eventDigest } from '../../src/protocol/index.js';
import { auditExport, auditPeriod } from '../../src/verify/index.js';

const policy = 'quorum none\n';
const event = { tenant_id: 'acme', event_type: 'x', event_id: 'e1', trace_id: 'e1', recorded_at: '2026-12-01T00:00:00.000Z' };
/** An open period's export with one event line, which reaches onEvent. */
const withEvent = [
  JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null }),
  JSON.stringify({
    v: 1, tenant_id: 'acme', event_id: 'e1', digest_b64url: b64uEncode(eventDigest(event)), received_at: '2026-12-01T00:00:00.001Z',
    key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 'e1', signature_b64url: 'AA', leaf_index: 0, event,
  }),
].join('\n');

describe('callback options that are not functions', () => {
  it.each([42, 'onEvent', {}])('auditExport refuses onEvent %j with ERR_CONFIG', async (onEvent) => {
    await expect(auditExport(withEvent, { policy, onEvent: onEvent as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'onEvent' });
  });

  it.each([42, 'progress', {}])('auditExport refuses onProgress %j with ERR_CONFIG', async (onProgress) => {
    await expect(auditExport(exportText, { policy, onProgress: onProgress as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'onProgress' });
  });

  it.each([42, 'progress', {}])('auditPeriod refuses onProgress %j with ERR_CONFIG', async (onProgress) => {
    await expect(auditPeriod([], { tenant_id: 't', period_start: 'x' } as never, { keys: [], onProgress: onProgress as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'onProgress' });
  });

  it('a function, or none, is taken', async () => {
    const seen: number[] = [];
    const report = await auditExport(withEvent, { policy, onEvent: (_e, leaf) => seen.push(leaf), onProgress: undefined });
    expect(report.status).toBe('open');
    expect(seen).toEqual([0]);
  });
});
