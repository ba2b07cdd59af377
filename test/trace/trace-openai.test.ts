// aegislogTrace around a function returning OpenAI's APIPromise (a Promise subclass), with the real `openai`
// SDK against the fake OpenAI-compatible server of test/ai on 127.0.0.1 (it stands in for the provider).
import OpenAI from 'openai';
import { APIPromise } from 'openai/api-promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aegislogTrace } from '../../src/trace/index.js';
import { chatCompletion, MODEL, startOpenAIServer, type OpenAIServer } from '../ai/openai-server.js';
import { recordingLog } from './recording-log.js';

let api: OpenAIServer;
beforeAll(async () => void (api = await startOpenAIServer()));
afterAll(async () => api?.close());

it("returns OpenAI's APIPromise itself: .withResponse() works; the call is recorded once", async () => {
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: api.url, maxRetries: 0 });
  const log = recordingLog();
  const ask = aegislogTrace((q: string) => openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }] }), {
    log,
    eventType: 'ask',
    capture: { output: (c) => (c as { choices: { message: { content: string } }[] }).choices[0]!.message.content },
  });
  api.script({ json: chatCompletion('Hello.') });
  const pending = ask('hi');
  expect(pending).toBeInstanceOf(APIPromise);
  const { data, response } = await pending.withResponse();
  expect([data.choices[0]!.message.content, response.status]).toEqual(['Hello.', 200]);
  expect(log.calls.map((c) => c.payload)).toEqual([{ function: 'anonymous', outcome: 'ok', input: ['hi'], output: 'Hello.' }]);
});
