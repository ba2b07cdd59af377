// examples/cloudflare-worker-openai AS WRITTEN: bundled as wrangler bundles it and run in real workerd
// (miniflare) with its wrangler.json bindings; the real OpenAI SDK inside it talks to the OpenAI-compatible
// server on 127.0.0.1, and the evidence goes to the reference server on 127.0.0.1.
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { READ_KEY, TENANT, startReference, type Reference } from '../edge/reference.js';
import { FLUSH_TRIES, bundleWorker, eventually, readWrangler, requireDist, startWorker } from '../edge/workerd.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, chatStream, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

const config = readWrangler('examples/cloudflare-worker-openai/wrangler.json');
let mf: Miniflare;
let api: Reference;
let openai: OpenAIServer;

beforeAll(async () => {
  requireDist('index.js', 'ai.js');
  [api, openai] = await Promise.all([startReference(), startOpenAIServer()]);
  mf = await startWorker(await bundleWorker('examples/cloudflare-worker-openai/worker.ts'), config, {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_API_KEY: READ_KEY,
    AEGISLOG_DIGEST_KEY: DIGEST_KEY,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.url,
  });
});

afterAll(async () => {
  await mf?.dispose();
  await Promise.all([api?.close(), openai?.close()]);
});

beforeEach(() => api.setDown(false));

type KVList = { list(options: { prefix: string }): Promise<{ keys: { name: string }[] }> };
type ScheduledWorker = { scheduled(options: { cron: string }): Promise<{ outcome: string }> };
const queued = async () => ((await (mf.getKVNamespace('AEGISLOG_QUEUE') as unknown as Promise<KVList>)).list({ prefix: 'aegislog:q' })).then((l) => l.keys);

const MESSAGES = [{ role: 'user', content: 'Can I return opened headphones?' }];
const seen = new Set<string>();

/** The events the server stored since the last call. */
async function newEvents(count: number): Promise<any[]> {
  const ids = await eventually(async () => {
    const res = await fetch(`${api.url}/export?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } });
    // A header line (PROTOCOL.md §6.2), then one receipt a line.
    const all = (await res.text()).split('\n').filter(Boolean).slice(1).map((l) => JSON.parse(l).event_id as string).filter((id) => !seen.has(id));
    return all.length >= count ? all : undefined;
  });
  ids.forEach((id) => seen.add(id));
  return Promise.all(ids.map(async (id) => (await api.evidence(id)).event));
}

const chat = (body: Record<string, unknown>) =>
  mf.dispatchFetch('https://worker.example/chat', { method: 'POST', body: JSON.stringify({ messages: MESSAGES, sessionId: 'sess-3', ...body }) });

describe('Cloudflare Worker with wrapOpenAI', () => {
  it('a completion: the answer as the SDK gave it; the exact event delivered after the response', async () => {
    openai.script({ json: chatCompletion('Yes, within 30 days.') });
    const res = await chat({});
    expect(await res.json()).toEqual({ answer: 'Yes, within 30 days.' });
    const [event] = await newEvents(1);
    expect(event).toEqual({
      tenant_id: TENANT,
      event_type: 'model_inference',
      event_id: expect.any(String),
      trace_id: expect.any(String),
      recorded_at: expect.any(String),
      // The client numbers every record of its queue (PROTOCOL.md §2).
      client_id: expect.any(String),
      client_seq: expect.any(Number),
      integration: 'openai',
      operation: 'chat.completions',
      streamed: false,
      provider: 'openai',
      // The Worker's OPENAI_BASE_URL: the fake server, where the calls went (wrapOpenAI records any but OpenAI's own).
      base_url: openai.url,
      response_model_id: SNAPSHOT,
      response_id: 'chatcmpl-1',
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: MESSAGES[0]!.content.length,
      output_chars: 'Yes, within 30 days.'.length,
      input_digest: hmac(MESSAGES),
      output_digest: hmac('Yes, within 30 days.'),
      system_fingerprint: 'fp_test',
      model_context: { model_id: 'gpt-4o-mini', model_version: SNAPSHOT, model_type: 'llm', deployment_id: 'workers' },
      session_context: { session_id: 'sess-3', started_at: expect.any(Number) },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
    await eventually(async () => ((await queued()).length === 0 ? true : undefined));
  });

  it('a stream: the client reads every chunk; the call is recorded at its end, with usage', async () => {
    openai.script({ sse: chatStream(['Yes, ', 'within 30 days.'], { usage: true }) });
    const res = await chat({ stream: true });
    const chunks = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Yes, within 30 days.');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    const [event] = await newEvents(1);
    expect(event).toMatchObject({ streamed: true, outcome: 'ok', output_digest: hmac('Yes, within 30 days.'), time_to_first_token_ms: expect.any(Number), performance_metrics: { input_tokens: 12, output_tokens: 7 } });
  });

  it('the API down: the event waits in KV; the cron trigger delivers it', async () => {
    openai.script({ json: chatCompletion('Kept.') });
    api.setDown(true);
    const before = api.resets;
    expect(await (await chat({})).json()).toEqual({ answer: 'Kept.' });
    await eventually(() => (api.resets >= before + FLUSH_TRIES ? true : undefined));
    await eventually(async () => ((await queued()).length === 1 ? true : undefined));
    api.setDown(false);
    const worker = (await mf.getWorker()) as unknown as ScheduledWorker;
    expect((await worker.scheduled({ cron: config.triggers!.crons![0]! })).outcome).toBe('ok');
    const [event] = await newEvents(1);
    expect(event).toMatchObject({ outcome: 'ok', output_digest: hmac('Kept.') });
  });
});
