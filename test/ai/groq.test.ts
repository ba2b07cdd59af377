// wrapOpenAI with the real Groq SDK (`groq-sdk`, generated like `openai`, with the same chat completions API):
// each call returns what the unwrapped client returns, and its event names Groq and where the calls went. Groq's
// API is answered by the fake OpenAI server on 127.0.0.1 (it stands in for the provider, which cannot run here):
// the client's `fetch` sends Groq's URLs to it, so the client keeps its own base URL.
import Groq from 'groq-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapOpenAI } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, chatStream, MODEL, redirected, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const GROQ_API = 'https://api.groq.com';
const MESSAGES = [{ role: 'user' as const, content: 'Where is my parcel?' }];

/** A Groq client whose requests the fake server answers; any URL but Groq's API fails. */
function groq(): Groq {
  return new Groq({ apiKey: 'gsk-test', maxRetries: 0, fetch: redirected(GROQ_API, new URL(api.url).origin) });
}

/** What each event of these tests has. */
const groqEvent = {
  ...generated,
  event_type: 'model_inference',
  integration: 'openai',
  operation: 'chat.completions',
  provider: 'groq',
  base_url: GROQ_API,
  response_model_id: SNAPSHOT,
  outcome: 'ok',
  finish_reason: 'stop',
  input_chars: MESSAGES[0]!.content.length,
  input_digest: hmac(MESSAGES),
  system_fingerprint: 'fp_test',
  model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
};

describe('wrapOpenAI on a Groq client', () => {
  it('chat.completions.create: what the SDK returns; the exact event, provider groq, its base URL', async () => {
    const plain = groq();
    const wrapped = wrapOpenAI(groq(), { log: h.log, digestKey: DIGEST_KEY, provider: 'groq' });
    api.script({ json: chatCompletion('Tomorrow.') }, { json: chatCompletion('Tomorrow.') });
    const expected = await plain.chat.completions.create({ model: MODEL, messages: MESSAGES });
    const result = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
    expect(result).toEqual(expected);
    expect(api.requests.at(-1)!.path).toBe('/openai/v1/chat/completions');
    expect(await h.events()).toEqual([
      {
        ...groqEvent,
        streamed: false,
        response_id: 'chatcmpl-1',
        output_chars: 'Tomorrow.'.length,
        output_digest: hmac('Tomorrow.'),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
      },
    ]);
  });

  it("streamed: the same chunks; the token counts Groq sends in the last chunk's x_groq.usage", async () => {
    // As Groq streams: no top-level usage chunk; the last chunk carries x_groq with the usage.
    const events = chatStream(['To', 'morrow.']);
    const last = events.at(-1)!.data as Record<string, unknown>;
    events[events.length - 1] = { data: { ...last, x_groq: { id: 'req_01', usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } } } };
    api.script({ sse: events }, { sse: events });
    const params = { model: MODEL, messages: MESSAGES, stream: true as const };
    const expected = [];
    for await (const chunk of await groq().chat.completions.create(params)) expected.push(chunk);
    const got = [];
    for await (const chunk of await wrapOpenAI(groq(), { log: h.log, digestKey: DIGEST_KEY, provider: 'groq' }).chat.completions.create(params)) got.push(chunk);
    expect(got).toEqual(expected);
    expect(await h.events()).toEqual([
      {
        ...groqEvent,
        streamed: true,
        response_id: 'chatcmpl-s1',
        time_to_first_token_ms: expect.any(Number),
        output_chars: 'Tomorrow.'.length,
        output_digest: hmac('Tomorrow.'),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
      },
    ]);
  });
});
