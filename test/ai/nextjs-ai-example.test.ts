// examples/nextjs-ai AS WRITTEN: the route bundled the way Next.js bundles edge routes and run in Vercel's
// Edge Runtime (@edge-runtime/vm), with the real AI SDK and its OpenAI provider talking to the
// OpenAI-compatible server on 127.0.0.1, delivering evidence to the reference server on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdgeRoute, type EdgeRoute } from '../edge/edge-vm.js';
import { READ_KEY, TENANT, startReference, type Reference } from '../edge/reference.js';
import { startFakeUpstash, type FakeUpstash } from '../edge/upstash-rest.js';
import { requireDist } from '../edge/workerd.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { responseStream, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let api: Reference;
let redis: FakeUpstash;
let openai: OpenAIServer;
let route: EdgeRoute;

beforeAll(async () => {
  requireDist('index.js', 'ai.js');
  [api, redis, openai] = await Promise.all([startReference(), startFakeUpstash(), startOpenAIServer()]);
  route = await loadEdgeRoute('examples/nextjs-ai/app/api/chat/route.ts', {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_TENANT: TENANT,
    AEGISLOG_API_KEY: READ_KEY,
    AEGISLOG_DIGEST_KEY: DIGEST_KEY,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.url,
    UPSTASH_REDIS_REST_URL: redis.url,
    UPSTASH_REDIS_REST_TOKEN: redis.token,
  });
});

afterAll(async () => {
  await Promise.all([api?.close(), redis?.close(), openai?.close()]);
});

/** Every event the server stored, oldest first. */
async function stored(): Promise<any[]> {
  const res = await fetch(`${api.url}/export?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } });
  expect(res.status).toBe(200);
  // A header line (PROTOCOL.md §6.2), then one receipt a line.
  const ids = (await res.text()).split('\n').filter(Boolean).slice(1).map((l) => JSON.parse(l).event_id as string);
  return Promise.all(ids.map(async (id) => (await api.evidence(id)).event));
}

describe('Next.js route with the AI SDK middleware, on the edge runtime', () => {
  it('runs with no Node globals', () => {
    expect(route.exports.runtime).toBe('edge');
    expect(route.vm.evaluate('typeof require')).toBe('undefined');
  });

  it('streams the answer; the call is recorded when the stream ends and delivered through waitUntil', async () => {
    openai.script({ sse: responseStream(['Your order ', 'ships today.']) });
    const res = await route.call('POST', 'https://app.example.com/api/chat', { body: JSON.stringify({ prompt: 'When does order 42 ship?', sessionId: 'sess-7' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Your order ships today.');
    await route.settle();

    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe('/v1/responses');
    const [event, ...more] = await stored();
    expect(more).toEqual([]);
    expect(event).toEqual({
      tenant_id: TENANT,
      event_type: 'model_inference',
      event_id: expect.any(String),
      trace_id: expect.any(String),
      recorded_at: expect.any(String),
      // The client numbers every record of its queue (PROTOCOL.md §2).
      client_id: expect.any(String),
      client_seq: expect.any(Number),
      integration: 'ai-sdk',
      operation: 'stream',
      streamed: true,
      provider: 'openai.responses',
      response_model_id: SNAPSHOT,
      response_id: 'resp_1',
      outcome: 'ok',
      finish_reason: 'stop',
      time_to_first_token_ms: expect.any(Number),
      input_chars: 'You answer questions about orders, briefly.'.length + 'When does order 42 ship?'.length,
      output_chars: 'Your order ships today.'.length,
      input_digest: hmac([
        { role: 'system', content: 'You answer questions about orders, briefly.' },
        { role: 'user', content: [{ type: 'text', text: 'When does order 42 ship?' }] },
      ]),
      output_digest: hmac('Your order ships today.'),
      digest_key_id: 'digest-2026-05',
      model_context: { model_id: 'gpt-4o-mini', model_version: SNAPSHOT, model_type: 'llm' },
      policy_context: { policy_name: 'support-answers', policy_version: '3' },
      session_context: { session_id: 'sess-7', started_at: expect.any(Number) },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
    });
    // Nothing of the conversation in the evidence; the queue in Redis is empty again.
    expect(JSON.stringify(event)).not.toMatch(/order 42|ships today/);
    expect([...redis.data.keys()].filter((k) => k.startsWith('aegislog:q'))).toEqual([]);
  });
});
