// wrapOpenAI and OpenAI's Decisions API (`decisions.create`, openai 7): a classifier's and scorer's answers to an
// app's questions about an input, recorded as the decisions they are. The real SDK against the fake OpenAI server on
// 127.0.0.1 (it stands in for the API), through the real client into the reference server.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapOpenAI } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { ownApiOptions, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const MODEL = 'gpt-6-luna';
const INPUT = 'Applicant: 4 years at the same employer, two late payments in 2025, asks for 12,000 EUR over 36 months.';
const QUESTIONS = [
  { type: 'predicate' as const, name: 'affordable', instructions: 'Can the applicant afford the repayments?' },
  { type: 'choice' as const, name: 'risk_band', instructions: 'Which risk band fits?', choices: [{ value: 'low' }, { value: 'medium', description: 'Some late payments.' }, { value: 'high' }] },
  { type: 'score' as const, name: 'stability', instructions: [{ type: 'input_text' as const, text: 'How stable is the income?' }], levels: [{ value: 1, label: 'unstable', description: 'Irregular income.' }, { value: 5, label: 'stable' }] },
  { type: 'predicate' as const, instructions: 'Is the applicant likely to default because of their nationality?' },
];
/** The API's answer: one per question, in order; the last refused. */
const DECISION = {
  model: 'gpt-6-luna-2026-10-01',
  answers: [
    { type: 'predicate', name: 'affordable', probability: 0.82 },
    { type: 'choice', name: 'risk_band', choice: 'medium', confidence: 0.64, probabilities: [{ value: 'low', probability: 0.2 }, { value: 'medium', probability: 0.64 }, { value: 'high', probability: 0.16 }] },
    { type: 'score', name: 'stability', score: 4, confidence: 0.7, probabilities: [{ label: 'unstable', value: 1, probability: 0.05 }, { label: 'stable', value: 5, probability: 0.3 }] },
    { type: 'refusal', name: null },
  ],
  usage: { input_tokens: 210, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 222 },
};

describe('wrapOpenAI: decisions.create', () => {
  it('what the SDK returns; the exact event: the input and questions digested, each answer as decided', async () => {
    const plain = new OpenAI(ownApiOptions(api));
    const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: DECISION }, { json: DECISION });
    const params = { model: MODEL, input: INPUT, questions: QUESTIONS };
    const expected = await plain.decisions.create(params);
    const result = await wrapped.decisions.create(params);
    expect(result).toEqual(expected);
    expect(api.requests.at(-1)!.path).toBe('/v1/decisions');
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'decisions',
      streamed: false,
      provider: 'openai',
      response_model_id: DECISION.model,
      outcome: 'ok',
      // The questions' texts the model reads: instructions, and the descriptions of choices and levels.
      input_chars: INPUT.length + QUESTIONS.reduce((n, q) => n + (typeof q.instructions === 'string' ? q.instructions : q.instructions[0]!.text).length, 0) + 'Some late payments.'.length + 'Irregular income.'.length,
      input_digest: hmac({ input: INPUT, questions: QUESTIONS }),
      decision_answers: [
        { name: 'affordable', type: 'predicate', probability: 0.82 },
        { name: 'risk_band', type: 'choice', choice: 'medium', confidence: 0.64 },
        { name: 'stability', type: 'score', score: 4, confidence: 0.7 },
        { name: null, type: 'refusal' },
      ],
      decision_refusals: 1,
      model_context: { model_id: MODEL, model_version: DECISION.model, model_type: 'classifier' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 210, output_tokens: 12 },
    });
  });

  it('the questions as sent: an app that edits its list after the call does not change the digest', async () => {
    const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: DECISION });
    const questions = [...QUESTIONS];
    const pending = wrapped.decisions.create({ model: MODEL, input: INPUT, questions });
    questions.push({ type: 'predicate', name: 'later', instructions: 'Added after the call.' });
    await pending;
    const [event] = await h.events();
    expect(event!.input_digest).toBe(hmac({ input: INPUT, questions: QUESTIONS }));
  });

  it('a refused request (a 400) is recorded with its error; an answer of boolean choices keeps their type', async () => {
    const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY });
    api.script(
      { status: 400, json: { error: { message: 'Ask 1–400 questions.', type: 'invalid_request_error', param: 'questions', code: null } } },
      { json: { ...DECISION, answers: [{ type: 'choice', name: 'approve', choice: false, confidence: 0.9, probabilities: [] }] } },
    );
    await expect(wrapped.decisions.create({ model: MODEL, input: INPUT, questions: [] })).rejects.toMatchObject({ status: 400 });
    await wrapped.decisions.create({ model: MODEL, input: INPUT, questions: [{ type: 'choice', name: 'approve', instructions: 'Approve?', choices: [{ value: true }, { value: false }] }] });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error?.status, e.decision_answers, e.decision_refusals])).toEqual([
      ['error', 400, undefined, undefined],
      ['ok', undefined, [{ name: 'approve', type: 'choice', choice: false, confidence: 0.9 }], 0],
    ]);
  });
});
