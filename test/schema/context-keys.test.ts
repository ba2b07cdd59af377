// A context field that is not one of its own is named as every other field is: a key that is no plain
// name in brackets (`a["b c"]`), so that `model_context.a.b` (a path two levels down) is never what a key "a.b" reads as.
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/schema/index.js';
import { INGEST_KEY, TENANT, inProcessServer } from '../client/helpers.js';

const ENDPOINT = 'https://aegislog.test';
const base = () => ({ tenant_id: TENANT, event_type: 'probe', event_id: 'odd-key', trace_id: 'odd-key' });

describe('an unknown context field whose key is no plain name', () => {
  it.each([
    ['a.b', 'model_context["a.b"]'],
    ['model id', 'model_context["model id"]'],
    ['\ud800', 'model_context["\\ud800"]'],
  ])('%j is named %s, as a payload key would be', async (key, field) => {
    const event = () => ({ ...base(), model_context: { model_id: 'm', model_version: '1', [key]: 1 } });
    expect(() => validateEvent(event())).toThrow(expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field }));
    // The payload's own naming of the same key, one level down.
    expect(() => validateEvent({ ...base(), x: { [key]: 1n } })).toThrow(expect.objectContaining({ field: field.replace('model_context', 'x') }));
    const srv = await inProcessServer();
    const response = await srv.fetch(`${ENDPOINT}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
      body: JSON.stringify(event()),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field });
  });
});
