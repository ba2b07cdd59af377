// A context that is an object but not plain JSON data (a class instance, as the Python SDK's dataclasses invite, a
// Date, a Map) was refused as "model_context must be an object": false of the value, and not the words its twins
// use in record() ("payload must be a plain object", "options must be a plain object").
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { validateEvent } from '../../src/schema/index.js';

class ModelContext {
  constructor(
    readonly model_id: string,
    readonly model_version: string,
  ) {}
}

const base = () => ({ tenant_id: 'acme', event_type: 'probe', event_id: 'e-1', trace_id: 'e-1' });

describe('a context that is not a plain object', () => {
  it.each([
    ['a class instance', () => new ModelContext('m', '1')],
    ['a Date', () => new Date(0)],
    ['a Map', () => new Map([['model_id', 'm']])],
    ['an array', () => ['m', '1']],
    ['null', () => null],
  ])('%s is refused as record() refuses such a payload or options: "must be a plain object"', async (_what, make) => {
    const refusal = expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', field: 'model_context', message: 'model_context must be a plain object' });
    expect(() => validateEvent({ ...base(), model_context: make() })).toThrow(refusal);
    const log = new AegisLog({ endpoint: 'https://aegislog.test', queue: memoryQueue(), flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', {}, { model_context: make() as never })).toThrow(refusal);
    expect(() => log.record('probe', new ModelContext('m', '1') as never)).toThrow(expect.objectContaining({ field: 'payload', message: 'payload must be a plain object' }));
    await log.close();
  });
});
