// complianceOf given no event or no proof flags (a JavaScript caller's undefined or null): it threw raw TypeErrors
// ("Cannot read properties of undefined (reading 'policy_context')", "… (reading 'signature')"), naming nothing the
// caller wrote. It now throws AegisLogError naming the argument.
import { describe, expect, it } from 'vitest';
import { complianceOf } from '../../src/verify/index.js';

const proof = { signature: true, sealed: false };
const event = { tenant_id: 'acme', event_type: 'x', event_id: 'e1', recorded_at: '2026-12-01T00:00:00.000Z' };

describe('complianceOf arguments', () => {
  it.each([undefined, null, 42, 'event', []])('refuses the event %j with ERR_CONFIG naming it', (value) => {
    expect(() => complianceOf(value as never, undefined, proof)).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'event' }));
  });

  it.each([undefined, null, 42])('refuses the proof flags %j with ERR_CONFIG naming them', (value) => {
    expect(() => complianceOf(event as never, undefined, value as never)).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'proof' }));
  });

  it('flags an event as before', () => {
    expect(complianceOf(event as never, '2026-12-01T00:00:00.001Z', proof)).toMatchObject({ non_repudiation: true, immutable_record: false });
  });
});
