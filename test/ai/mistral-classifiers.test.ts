// wrapMistral and the Mistral SDK's classifiers (`@mistralai/mistralai` 2.x): moderations of texts and of chats, and
// a classifier of the app's own, recorded as the decisions they are. The real SDK against the small Mistral API on
// 127.0.0.1 (mistral-server.ts, a stand-in for the provider), through the real client into the reference server.
import { Mistral } from '@mistralai/mistralai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapMistral } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { apiError, startMistralServer, type MistralServer } from './mistral-server.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: MistralServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startMistralServer));
});
afterAll(() => closeBoth(h, api));

const make = () => new Mistral({ apiKey: 'mistral-test-key', serverURL: api.origin, retryConfig: { strategy: 'none' } });
const TEXTS = ['Where is my parcel?', 'I will find you and hurt you.'];
const CHAT = [
  { role: 'user' as const, content: 'My card was charged twice.' },
  { role: 'assistant' as const, content: 'I will refund the second charge.' },
];
/** A moderation answer: the second text flagged in two categories (the wire's snake_case). */
const MODERATION = {
  id: 'mod-1',
  model: 'mistral-moderation-2411',
  results: [
    { categories: { violence_and_threats: false, hate_and_discrimination: false }, category_scores: { violence_and_threats: 0.01, hate_and_discrimination: 0.0 } },
    { categories: { violence_and_threats: true, hate_and_discrimination: false, selfharm: true }, category_scores: { violence_and_threats: 0.97, hate_and_discrimination: 0.02, selfharm: 0.6 } },
  ],
};
/** A fine-tuned classifier's answer: two targets scored for one chat. */
const CLASSIFICATION = {
  id: 'cls-1',
  model: 'ft:classifier:ministral-3b:refund-desk:2026',
  results: [{ intent: { scores: { refund: 0.81, complaint: 0.15, other: 0.04 } }, urgency: { scores: { high: 0.3, low: 0.7 } } }],
};

const base = { ...generated, event_type: 'model_inference', integration: 'mistral', streamed: false, provider: 'mistral', outcome: 'ok' };

describe('wrapMistral: classifiers', () => {
  it('moderate and moderateChat: what the SDK returns; the exact events, the flagged categories, not the scores', async () => {
    const plain = make();
    const wrapped = wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: MODERATION }, { json: MODERATION }, { json: { ...MODERATION, results: [MODERATION.results[0]] } });
    const expected = await plain.classifiers.moderate({ model: 'mistral-moderation-latest', inputs: TEXTS });
    expect(await wrapped.classifiers.moderate({ model: 'mistral-moderation-latest', inputs: TEXTS })).toEqual(expected);
    await wrapped.classifiers.moderateChat({ model: 'mistral-moderation-latest', inputs: CHAT });
    expect(api.requests.slice(-2).map((r) => r.path)).toEqual(['/v1/moderations', '/v1/chat/moderations']);
    const context = { model_id: 'mistral-moderation-latest', model_version: MODERATION.model, model_type: 'moderation' };
    expect(await h.events()).toEqual([
      {
        ...base,
        operation: 'classifiers.moderate',
        response_id: 'mod-1',
        response_model_id: MODERATION.model,
        input_chars: TEXTS.join('').length,
        input_digest: hmac(TEXTS),
        moderation_results: 2,
        flagged: 1,
        flagged_categories: ['violence_and_threats', 'selfharm'],
        model_context: context,
        performance_metrics: { latency_ms: expect.any(Number) },
      },
      {
        ...base,
        operation: 'classifiers.moderateChat',
        response_id: 'mod-1',
        response_model_id: MODERATION.model,
        input_chars: CHAT.map((m) => m.content).join('').length,
        input_digest: hmac(CHAT),
        moderation_results: 1,
        flagged: 0,
        model_context: context,
        performance_metrics: { latency_ms: expect.any(Number) },
      },
    ]);
  });

  it("classify and classifyChat (the chat is `input`): each target's highest label and its score, in input order", async () => {
    const wrapped = wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: CLASSIFICATION }, { json: { ...CLASSIFICATION, results: [CLASSIFICATION.results[0], { intent: { scores: { refund: 0.5, complaint: 0.5 } } }] } });
    const result = await wrapped.classifiers.classifyChat({ model: CLASSIFICATION.model, input: { messages: CHAT } });
    expect(result.results[0]!.intent!.scores).toEqual({ refund: 0.81, complaint: 0.15, other: 0.04 });
    await wrapped.classifiers.classify({ model: CLASSIFICATION.model, inputs: TEXTS });
    const events = await h.events();
    expect(events[0]).toEqual({
      ...base,
      operation: 'classifiers.classifyChat',
      response_id: 'cls-1',
      response_model_id: CLASSIFICATION.model,
      input_chars: CHAT.map((m) => m.content).join('').length,
      input_digest: hmac({ messages: CHAT }),
      classification_labels: [{ intent: { label: 'refund', score: 0.81 }, urgency: { label: 'low', score: 0.7 } }],
      model_context: { model_id: CLASSIFICATION.model, model_version: CLASSIFICATION.model, model_type: 'classifier' },
      performance_metrics: { latency_ms: expect.any(Number) },
    });
    // A tie: the first label the answer lists.
    expect(events[1]).toMatchObject({
      operation: 'classifiers.classify',
      input_digest: hmac(TEXTS),
      classification_labels: [{ intent: { label: 'refund', score: 0.81 }, urgency: { label: 'low', score: 0.7 } }, { intent: { label: 'refund', score: 0.5 } }],
    });
  });

  it('moderateChat of several chats: their messages all counted, the chats digested as given', async () => {
    const wrapped = wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: MODERATION });
    await wrapped.classifiers.moderateChat({ model: 'mistral-moderation-latest', inputs: [CHAT, CHAT.slice(0, 1)] });
    const [event] = await h.events();
    expect([event!.input_chars, event!.input_digest, event!.moderation_results]).toEqual([CHAT.map((m) => m.content).join('').length + CHAT[0]!.content.length, hmac([CHAT, CHAT.slice(0, 1)]), 2]);
  });

  it('a refused call: the app gets the error; recorded with its status and the API error type', async () => {
    const wrapped = wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ status: 400, json: apiError('Unknown model', 'invalid_request_error') });
    await expect(wrapped.classifiers.classify({ model: 'no-such-classifier', inputs: 'x' })).rejects.toMatchObject({ statusCode: 400 });
    const [event] = await h.events();
    expect(event).toMatchObject({ operation: 'classifiers.classify', outcome: 'error', error: { status: 400, code: 'invalid_request_error' }, model_context: { model_type: 'classifier' } });
    expect(event!.classification_labels).toBeUndefined();
  });
});
