// The AI SDK's telemetry integration (ai@7) and its experimental calls: `experimental_decide` (a decision model's
// answers to an app's questions, the calls the AI Act's high-risk uses turn on) and `experimental_streamTranscribe`.
// The real `ai`, the real OpenAI provider's decision model against the fake OpenAI server on 127.0.0.1 (it stands in
// for the API), a decision model of the SDK's contract for box questions, the SDK's mock transcription model, the
// real client and reference server; each test checks the exact events stored.
import { createOpenAI } from '@ai-sdk/openai';
import { experimental_decide as decide, experimental_streamTranscribe as streamTranscribe, type Experimental_DecisionModel } from 'ai';
import { MockTranscriptionModelV4 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogTelemetry } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const integration = () => aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY });
const base = { ...generated, event_type: 'model_inference', integration: 'ai-sdk-telemetry', streamed: false, outcome: 'ok' };

const MODEL = 'gpt-6-luna';
const INPUT = 'Applicant: 4 years at the same employer, two late payments in 2025, asks for 12,000 EUR over 36 months.';
const QUESTIONS = {
  affordable: { type: 'boolean' as const, instructions: 'Can the applicant afford the repayments?', criteria: { true: 'Income covers them twice.' } },
  risk_band: { type: 'choice' as const, instructions: 'Which risk band fits?', criteria: { low: null, medium: 'Some late payments.', high: null } },
  stability: { type: 'score' as const, instructions: 'How stable is the income?', criteria: ['unstable', null, 'stable'] },
};
/** Every text the model is asked: the state's and the questions' instructions and criteria. */
const ASKED = [INPUT, 'Can the applicant afford the repayments?', 'Income covers them twice.', 'Which risk band fits?', 'Some late payments.', 'How stable is the income?', 'unstable', 'stable'];
/** The Decisions API's answer (a score is its distribution's mean, as the SDK checks). */
const DECISION = {
  model: 'gpt-6-luna-2026-10-01',
  answers: [
    { type: 'predicate', name: 'affordable', probability: 0.82 },
    { type: 'choice', name: 'risk_band', choice: 'medium', confidence: 0.64, probabilities: [{ value: 'low', probability: 0.2 }, { value: 'medium', probability: 0.64 }, { value: 'high', probability: 0.16 }] },
    { type: 'score', name: 'stability', score: 1.25, confidence: 0.65, probabilities: [{ value: 0, probability: 0.05 }, { value: 1, probability: 0.65 }, { value: 2, probability: 0.3 }] },
  ],
  usage: { input_tokens: 210, output_tokens: 12, total_tokens: 222 },
};
const context = { model_id: MODEL, model_version: DECISION.model, model_type: 'classifier' };

describe('aegislogTelemetry: experimental_decide', () => {
  it('the OpenAI provider\'s decision model: the exact event, each answer as decided, the function that asked', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    api.script({ json: DECISION });
    const result = await decide({ model: provider.decisionModel(MODEL), state: INPUT, questions: QUESTIONS, telemetry: { integrations: [integration()], functionId: 'credit-check' } });
    expect(result.answers).toEqual({ affordable: { type: 'boolean', probability: 0.82 }, risk_band: expect.objectContaining({ choice: 'medium' }), stability: expect.objectContaining({ score: 1.25 }) });
    expect(api.requests.at(-1)!.path).toBe('/v1/decisions');
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...base,
      provider: 'openai.decision',
      operation: 'ai.decide',
      function_id: 'credit-check',
      input_chars: ASKED.join('').length,
      input_digest: hmac({ state: [{ type: 'text', text: INPUT }], questions: QUESTIONS }),
      // As the SDK answers, not as the API did (a predicate is a boolean); no per-value probabilities.
      decision_answers: [
        { name: 'affordable', type: 'boolean', probability: 0.82 },
        { name: 'risk_band', type: 'choice', choice: 'medium' },
        { name: 'stability', type: 'score', score: 1.25 },
      ],
      decision_refusals: 0,
      response_model_id: DECISION.model,
      model_context: context,
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 210, output_tokens: 12 },
    });
  });

  it('a refused question fails the call (the SDK throws): recorded with its error; a 400 too', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    const integrations = [integration()];
    api.script(
      { json: { ...DECISION, answers: [DECISION.answers[0], { type: 'refusal', name: 'risk_band' }, DECISION.answers[2]] } },
      { status: 400, json: { error: { message: 'Ask 1–400 questions.', type: 'invalid_request_error', param: 'questions', code: null } } },
    );
    await expect(decide({ model: provider.decisionModel(MODEL), state: INPUT, questions: QUESTIONS, telemetry: { integrations } })).rejects.toThrow(/refused question "risk_band"/);
    await expect(decide({ model: provider.decisionModel(MODEL), state: INPUT, questions: QUESTIONS, maxRetries: 0, telemetry: { integrations } })).rejects.toMatchObject({ statusCode: 400 });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.error?.message ?? '', e.error?.status, e.input_digest, e.decision_answers])).toEqual([
      ['ai.decide', 'error', 'AI_DecisionRefusalError', expect.stringContaining('refused question "risk_band"'), undefined, hmac({ state: [{ type: 'text', text: INPUT }], questions: QUESTIONS }), undefined],
      ['ai.decide', 'error', 'AI_APICallError', 'Ask 1–400 questions.', 400, hmac({ state: [{ type: 'text', text: INPUT }], questions: QUESTIONS }), undefined],
    ]);
    expect(events.map((e) => e.model_context.model_type)).toEqual(['classifier', 'classifier']);
    // The refusal counted as a refusal (the error names the questions; the SDK gives no answers), the 400 not.
    expect(events.map((e) => e.decision_refusals)).toEqual([1, undefined]);
  });

  it('recordInputs or recordOutputs false: what the SDK emptied is left out, and said so', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    const integrations = [integration()];
    api.script({ json: DECISION }, { json: DECISION });
    await decide({ model: provider.decisionModel(MODEL), state: INPUT, questions: QUESTIONS, telemetry: { integrations, recordInputs: false } });
    await decide({ model: provider.decisionModel(MODEL), state: INPUT, questions: QUESTIONS, telemetry: { integrations, recordOutputs: false } });
    const events = await h.events();
    expect(events.map((e) => [e.withheld, e.input_digest, e.input_chars, e.decision_answers?.map((a: { name: string }) => a.name), e.decision_refusals])).toEqual([
      // The questions emptied: the answers in their own order, still named.
      [['input'], undefined, undefined, ['affordable', 'risk_band', 'stability'], 0],
      [['output'], hmac({ state: [{ type: 'text', text: INPUT }], questions: QUESTIONS }), ASKED.join('').length, undefined, undefined],
    ]);
  });

  it('a decision model of the SDK\'s contract: a box on an image, a boolean, in the questions\' order', async () => {
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const model: Experimental_DecisionModel = {
      specificationVersion: 'v4',
      provider: 'acme.decision',
      modelId: 'inspector-2',
      supportedQuestionTypes: ['box', 'boolean'],
      // Answered out of the questions' order.
      doDecide: async () => ({
        answers: { damaged: { type: 'boolean', probability: 0.91 }, dent: { type: 'box', box: { top: 0.1, bottom: 0.4, left: 0.25, right: 0.5 } } },
        usage: { inputTokens: 900, outputTokens: 6 },
        warnings: [],
        response: { id: 'dec-7', modelId: 'inspector-2-2026-11' },
      }),
    };
    const questions = { dent: { type: 'box' as const, instructions: 'Where is the dent?' }, damaged: { type: 'boolean' as const, instructions: 'Is the parcel damaged?' } };
    const state = [{ type: 'file' as const, data: image, mediaType: 'image/png' }, { type: 'text' as const, text: 'Parcel 7 at the depot.' }];
    await decide({ model, state, questions, telemetry: { integrations: [integration()] } });
    const [event] = await h.events();
    expect(event).toEqual({
      ...base,
      provider: 'acme.decision',
      operation: 'ai.decide',
      input_chars: 'Parcel 7 at the depot.'.length + 'Where is the dent?'.length + 'Is the parcel damaged?'.length,
      // The image by its bytes (base64url in the digest), as the SDK prepared it for the model.
      input_digest: hmac({ state: [{ type: 'file', mediaType: 'image/png', data: { type: 'data', data: Buffer.from(image).toString('base64url') } }, state[1]], questions }),
      decision_answers: [
        { name: 'dent', type: 'box', box: { top: 0.1, bottom: 0.4, left: 0.25, right: 0.5 } },
        { name: 'damaged', type: 'boolean', probability: 0.91 },
      ],
      decision_refusals: 0,
      response_id: 'dec-7',
      response_model_id: 'inspector-2-2026-11',
      model_context: { model_id: 'inspector-2', model_version: 'inspector-2-2026-11', model_type: 'classifier' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 900, output_tokens: 6 },
    });
  });
});

describe('aegislogTelemetry: experimental_streamTranscribe', () => {
  /** Audio streamed in three chunks of 100, 200 and 50 bytes. */
  const audio = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const n of [100, 200, 50]) controller.enqueue(new Uint8Array(n));
        controller.close();
      },
    });
  const format = { type: 'audio/pcm', rate: 24_000 };

  it('the transcript heard, the audio by the bytes streamed; a stream that fails, with its error', async () => {
    const integrations = [integration()];
    const model = new MockTranscriptionModelV4({
      modelId: 'mock-realtime-stt',
      doStream: async ({ audio: input }) => {
        // The model reads the audio to its end, as a real one does, then answers.
        for (const reader = input.getReader(); !(await reader.read()).done; );
        const parts = [
          { type: 'stream-start' as const, warnings: [] },
          { type: 'response-metadata' as const, modelId: 'mock-realtime-stt-2026' },
          { type: 'transcript-delta' as const, delta: 'Where is ' },
          { type: 'transcript-delta' as const, delta: 'my parcel?' },
          { type: 'finish' as const, text: 'Where is my parcel?', segments: [], language: 'en', durationInSeconds: 2 },
        ];
        return { stream: new ReadableStream({ start: (c) => (parts.forEach((p) => c.enqueue(p)), c.close()) }) };
      },
    });
    const result = streamTranscribe({ model, audio: audio(), inputAudioFormat: format, telemetry: { integrations } });
    expect(await result.text).toBe('Where is my parcel?');

    const failing = new MockTranscriptionModelV4({ modelId: 'mock-realtime-stt', doStream: async () => Promise.reject(new Error('Unsupported rate')) });
    const failed = streamTranscribe({ model: failing, audio: audio(), inputAudioFormat: format, telemetry: { integrations } });
    await expect(failed.text).rejects.toThrow('Unsupported rate');

    const events = await h.events();
    expect(events[0]).toEqual({
      ...base,
      provider: 'mock-provider',
      operation: 'ai.streamTranscribe',
      streamed: true,
      input_bytes: 350,
      output_chars: 'Where is my parcel?'.length,
      output_digest: hmac('Where is my parcel?'),
      response_model_id: 'mock-realtime-stt-2026',
      model_context: { model_id: 'mock-realtime-stt', model_version: 'mock-realtime-stt-2026', model_type: 'speech-to-text' },
      performance_metrics: { latency_ms: expect.any(Number) },
    });
    expect(events.slice(1).map((e) => [e.operation, e.streamed, e.outcome, e.error, e.output_digest, e.model_context.model_type])).toEqual([
      ['ai.streamTranscribe', true, 'error', { name: 'Error', message: 'Unsupported rate' }, undefined, 'speech-to-text'],
    ]);
  });

  it('recordOutputs false: the transcript is withheld, the audio\'s size kept', async () => {
    const model = new MockTranscriptionModelV4({
      doStream: async ({ audio: input }) => {
        for (const reader = input.getReader(); !(await reader.read()).done; );
        const parts = [{ type: 'finish' as const, text: 'Where is my parcel?', segments: [] }];
        return { stream: new ReadableStream({ start: (c) => (parts.forEach((p) => c.enqueue(p)), c.close()) }) };
      },
    });
    const result = streamTranscribe({ model, audio: audio(), inputAudioFormat: format, telemetry: { integrations: [integration()], recordOutputs: false } });
    expect(await result.text).toBe('Where is my parcel?');
    const [event] = await h.events();
    expect([event!.withheld, event!.input_bytes, event!.output_digest, event!.output_chars]).toEqual([['output'], 350, undefined, undefined]);
  });
});
