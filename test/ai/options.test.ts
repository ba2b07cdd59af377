// The options every integration shares, checked as a server-side integration is made: a mistake is an
// AegisLogError ERR_CONFIG naming the field, never a TypeError thrown into a model call later. The AI SDK
// middleware (browsers, a 2,000 B budget) does not check up front: its mistakes are reported at each call,
// and the app's call goes on. The real `ai` and `openai`
// SDKs; the model is the AI SDK's mock (a stand-in for a provider), and no request is ever sent.
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { aegislogMiddleware, aegislogSpanProcessor, aegislogTelemetry, aiDigest, aiFlush, wrapAnthropic, wrapBedrock, wrapCohere, wrapGoogleGenAI, wrapMistral, wrapOpenAI, type AiOptions } from '../../src/ai/index.js';
import { AegisLogError } from '../../src/index.js';
import { generateResult } from './mock-model.js';

const log = { record: () => 'id' };
const makers: [string, (options: AiOptions) => unknown][] = [
  ['aegislogTelemetry', (o) => aegislogTelemetry(o)],
  ['wrapOpenAI', (o) => wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' }), o)],
  ['aegislogSpanProcessor', (o) => aegislogSpanProcessor(o)],
];

const BAD: [string, Record<string, unknown>][] = [
  ['log', {}],
  ['log', { log: undefined }],
  ['log', { log: 'https://aegislog.example.com' }],
  ['log', { log: { send: () => 'id' } }],
  ['sync', { log, sync: true }],
  // No log at all beside sync (a log made only in production): the log is what is missing, not a TypeError.
  ['log', { log: undefined, sync: true }],
  ['eventType', { log, eventType: 5 }],
  ['eventType', { log, eventType: '' }],
  // Longer than the 128 characters an event type may have: every event would be refused, call after call.
  ['eventType', { log, eventType: 'model_inference.'.repeat(9) }],
  ['capture', { log, capture: 'everything' }],
  ['digestKey', { log, digestKey: 42 }],
  ['digestKey', { log, digestKey: new Uint8Array(0) }],
  // Set but empty (an unfilled environment variable): every digest would be left out without a word.
  ['digestKey', { log, digestKey: '' }],
  ['digestKey', { log, digestKey: { secret: 'k' } }],
  ['digestKeyId', { log, digestKeyId: 7 }],
  ['redact', { log, redact: 'pii' }],
  ['onError', { log, onError: true }],
  ['onRecorded', { log, onRecorded: {} }],
  ['waitUntil', { log, waitUntil: 'ctx.waitUntil' }],
];

describe.each(makers)('%s', (_, make) => {
  it.each(BAD)('%s: ERR_CONFIG naming the field (%j)', (field, options) => {
    let thrown: unknown;
    try {
      make(options as unknown as AiOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AegisLogError);
    expect(thrown).toMatchObject({ code: 'ERR_CONFIG', field });
  });

  it('no options at all: ERR_CONFIG naming log', () => {
    expect(() => make(undefined as unknown as AiOptions)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
  });

  it('good options are taken as they are', async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    for (const digestKey of [undefined, 'k', new Uint8Array(32), new Uint8Array(32).buffer, key])
      expect(() => make({ log, digestKey, digestKeyId: 'k1', capture: 'full', eventType: 'model_call', redact: (e) => e, onError() {}, onRecorded() {}, waitUntil() {} })).not.toThrow();
    expect(() => make({ log: { ...log, recordSync: async () => ({}) as never }, sync: true, capture: 'digest' })).not.toThrow();
  });
});

it('the span processor: isModelCall must be a function', () => {
  expect(() => aegislogSpanProcessor({ log, isModelCall: 'chat' as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'isModelCall' }));
});

it('the middleware with a log missing: the app gets its answer, and each call reports that it was not recorded', async () => {
  for (const options of [{}, { log: undefined }, { log: 'https://aegislog.example.com' }, { log: { send: () => 'id' } }]) {
    const errors: unknown[] = [];
    const model = new MockLanguageModelV4({ doGenerate: generateResult('ok') });
    const wrapped = wrapLanguageModel({ model, middleware: aegislogMiddleware({ ...options, onError: (error: unknown) => void errors.push(error) } as unknown as AiOptions) });
    const { text } = await generateText({ model: wrapped, prompt: 'hello' });
    expect(text).toBe('ok');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  }
});

it('the middleware with a log missing: the same params called again, or twice at once, are reported each time', async () => {
  const errors: unknown[] = [];
  const model = new MockLanguageModelV4({ doGenerate: generateResult('ok') });
  const wrapped = wrapLanguageModel({ model, middleware: aegislogMiddleware({ onError: (error: unknown) => void errors.push(error) } as unknown as AiOptions) });
  const params = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hello' }] }] };
  await wrapped.doGenerate(params);
  await Promise.all([wrapped.doGenerate(params), wrapped.doGenerate(params)]);
  expect(errors).toHaveLength(3);
});

it('a client that is no object (undefined: made later, or not at all): ERR_CONFIG naming the client, not a TypeError', () => {
  const wrappers: [string, (client: never, options: AiOptions) => unknown][] = [
    ['wrapOpenAI', wrapOpenAI],
    ['wrapAnthropic', wrapAnthropic],
    ['wrapGoogleGenAI', wrapGoogleGenAI],
    ['wrapMistral', wrapMistral],
    ['wrapCohere', wrapCohere],
    ['wrapBedrock', wrapBedrock],
  ];
  for (const [name, wrap] of wrappers) {
    for (const client of [undefined, null, 'openai']) {
      let thrown: unknown;
      try {
        wrap(client as never, { log });
      } catch (error) {
        thrown = error;
      }
      expect([name, thrown]).toEqual([name, expect.objectContaining({ code: 'ERR_CONFIG', field: 'client' })]);
    }
  }
});

describe('a CryptoKey that is no HMAC SHA-256 signing key', () => {
  // HMAC-SHA-512 signed as well, and the digest was recorded as `hmac-sha256:` with 128 hex digits, which no one
  // can check as the docs say; a key that may only verify, or an AES key, failed every event, one call after another.
  const keys = async () => [
    await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']),
    await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']),
    await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'AES-GCM' }, false, ['encrypt']),
  ];

  it.each(makers)('%s: ERR_CONFIG naming digestKey', async (_, make) => {
    for (const digestKey of await keys()) expect(() => make({ log, digestKey })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'digestKey' }));
  });

  it('aiDigest refuses it, and the middleware records no digest under a wrong name: onError is told', async () => {
    const [sha512] = await keys();
    await expect(aiDigest('refund approved', sha512!)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'digestKey' });
    const recorded: unknown[] = [];
    const errors: unknown[] = [];
    const model = new MockLanguageModelV4({ doGenerate: generateResult('ok') });
    const recording = { record: (_type: string, payload?: Record<string, unknown>) => (recorded.push(payload), 'id') };
    const middleware = aegislogMiddleware({ log: recording, digestKey: sha512, onError: (e) => void errors.push(e) });
    const { text } = await generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'hello' });
    expect(text).toBe('ok');
    await aiFlush(recording);
    expect(recorded).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_CONFIG', field: 'digestKey' })]);
  });
});
