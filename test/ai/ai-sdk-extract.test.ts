// The AI SDK's `experimental_extract` (ai@7): it reports no telemetry, and a provider's extraction model calls a
// language model of its own making, out of the app's reach. docs/ai.md's way to record it: build the extraction
// model over the wrapped language model, so that the middleware sees each model call the extraction makes.
// The real `ai`, the real ExtractionLanguageModel of @ai-sdk/provider-utils (the one OpenAI's `extractionModel`
// builds), the real OpenAI provider against the fake OpenAI server on 127.0.0.1 (it stands in for the API), the real
// client and reference server; each test checks the exact events stored.
import { createOpenAI } from '@ai-sdk/openai';
import { Experimental_ExtractionLanguageModel as ExtractionLanguageModel } from '@ai-sdk/provider-utils/experimental-extraction';
import { experimental_extract as extract, wrapLanguageModel, type LanguageModelMiddleware } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogMiddleware, aegislogTelemetry } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { MODEL, SNAPSHOT, response, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const APPLICATION = 'Jane Roe applied on 3 November 2026 for 12,000 EUR over 36 months; employed since 2022.';
const FIELDS = {
  applicant: { type: 'text' as const, instructions: 'The applicant\'s full name.' },
  amount: { type: 'number' as const, unit: 'EUR', integer: true },
};

/**
 * The extraction model over the wrapped language model, and the prompts each model call was given, as the
 * middleware saw them (what input_digest covers): taken by a middleware of the test's, outside the one under test.
 */
function extractionModel(options: { maxFieldsPerCall?: number } = {}) {
  const prompts: unknown[] = [];
  const seen: LanguageModelMiddleware = { specificationVersion: 'v4', transformParams: async ({ params }) => (prompts.push(params.prompt), params) };
  const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
  const model = wrapLanguageModel({ model: provider(MODEL), middleware: [seen, aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY })] });
  return { model: new ExtractionLanguageModel({ model, provider: 'openai.extraction', ...options }), prompts };
}

/** Characters of text in a language-model prompt: its system string, its parts' texts. */
const promptChars = (prompt: any[]) =>
  prompt.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : m.content.reduce((k: number, p: any) => k + (p.text?.length ?? 0), 0)), 0);

const base = { ...generated, event_type: 'model_inference', integration: 'ai-sdk', operation: 'generate', streamed: false, provider: 'openai.responses', outcome: 'ok' };

describe('experimental_extract, its extraction model over the wrapped language model', () => {
  it('one model call, one event: the state and fields as the model was asked, the values as it answered', async () => {
    const answer = '{"f0":"Jane Roe","f1":12000}';
    api.script({ json: response(answer) });
    const { model, prompts } = extractionModel();
    const result = await extract({ model, state: APPLICATION, fields: FIELDS });
    expect(result.answers).toEqual({ applicant: { type: 'text', value: 'Jane Roe' }, amount: { type: 'number', value: 12000 } });
    expect(api.requests.at(-1)!.path).toBe('/v1/responses');

    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(prompts).toHaveLength(1);
    // What the model was asked holds the application and the fields' instructions: the digest covers them.
    expect(JSON.stringify(prompts[0])).toContain(APPLICATION);
    expect(JSON.stringify(prompts[0])).toContain('The applicant\'s full name.');
    expect(event).toEqual({
      ...base,
      response_model_id: SNAPSHOT,
      response_id: 'resp_1',
      finish_reason: 'stop',
      input_chars: promptChars(prompts[0] as any[]),
      output_chars: answer.length,
      input_digest: hmac(prompts[0]),
      output_digest: hmac(answer),
      model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
    });
    // Privacy by default: neither the application nor what was extracted from it is in the evidence.
    expect(JSON.stringify(event)).not.toContain('Jane');
  });

  it('fields split over calls (maxFieldsPerCall): one event per model call, each with its own question', async () => {
    const answers = ['{"f0":"Jane Roe"}', '{"f0":12000}'];
    api.script({ json: response(answers[0]!) }, { json: response(answers[1]!) });
    const { model, prompts } = extractionModel({ maxFieldsPerCall: 1 });
    const result = await extract({ model, state: APPLICATION, fields: FIELDS });
    expect(result.answers).toEqual({ applicant: { type: 'text', value: 'Jane Roe' }, amount: { type: 'number', value: 12000 } });
    expect(prompts).toHaveLength(2);
    // The two calls run at once: the server answers them in arrival order, and each event's digests pair its question with its answer.
    const bodies = api.requests.slice(-2).map((r) => JSON.stringify(r.body));
    const asked = bodies.map((body) => prompts.findIndex((p) => body.includes(JSON.stringify((p as any[])[1].content[0].text).slice(1, -1))));
    expect(asked.slice().sort()).toEqual([0, 1]);
    const events = await h.events();
    expect(events.map((e) => [e.input_digest, e.output_digest]).sort()).toEqual(asked.map((p, i) => [hmac(prompts[p]), hmac(answers[i]!)]).sort());
    expect(events.map((e) => e.outcome)).toEqual(['ok', 'ok']);
  });

  it('a refused extraction (the provider filtered its content): recorded as answered, finish reason content-filter', async () => {
    api.script({ json: response('', { status: 'incomplete', reason: 'content_filter' }) });
    const { model } = extractionModel();
    await expect(extract({ model, state: APPLICATION, fields: FIELDS })).rejects.toThrow(/refused/);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ ...base, finish_reason: 'content-filter' });
    expect(event!.output_digest).toBeUndefined();
  });

  it('the telemetry integration alone sees none of it: the SDK reports no extraction lifecycle', async () => {
    api.script({ json: response('{"f0":"Jane Roe","f1":12000}') });
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    const integration = aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY });
    // experimental_extract takes no telemetry option: registering the integration as the app's default changes nothing.
    await extract({ model: provider.extractionModel(MODEL), state: APPLICATION, fields: FIELDS, ...({ telemetry: { integrations: [integration] } } as object) });
    expect(await h.events()).toEqual([]);
  });
});
