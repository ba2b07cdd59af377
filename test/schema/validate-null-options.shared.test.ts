// validateEvent is public (aegislog): null options read as no options, as canonicalize and importPublicKey read
// them, so the event is checked in full (ids and size included), not refused with a TypeError on `idsFollow`.
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/schema/index.js';

const event = () => ({ tenant_id: 'acme', event_type: 'probe', event_id: 'e-1', trace_id: 'e-1' });

describe('validateEvent with null options', () => {
  it('accepts a valid event as with no options', () => {
    expect(validateEvent(event(), null as never)).toEqual(event());
  });

  it('checks everything no options check: the ids, null context fields, the size', () => {
    const { event_id: _, ...noId } = event();
    expect(() => validateEvent(noId, null as never)).toThrow(expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: 'event_id' }));
    expect(() => validateEvent({ ...event(), model_context: { model_id: 'm', model_version: '1', model_type: null } }, null as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: 'model_context.model_type' }),
    );
    expect(() => validateEvent({ ...event(), text: 'x'.repeat(1024 * 1024) }, null as never)).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
  });
});
