// examples/node-otel AS WRITTEN: the file run by Node itself (it strips the types), in a child process with
// the real AI SDK, @ai-sdk/otel, @opentelemetry/sdk-trace-node and the span processor; the model is the
// OpenAI-compatible server on 127.0.0.1 and the evidence goes to the reference server on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_KEY, TENANT, startReference, type Reference } from '../edge/reference.js';
import { requireDist, ROOT } from '../edge/workerd.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

// Node runs TypeScript as it is from 22.18 on, the versions this package supports (engines >= 22, the suite
// runs under 22 and 24); an older Node has no type stripping and cannot run the example as written.
const stripsTypes = (process.features as { typescript?: string }).typescript !== undefined;

let api: Reference;
let openai: OpenAIServer;
let child: ChildProcess;
let url: string;
const output: string[] = [];

beforeAll(async () => {
  if (!stripsTypes) return;
  requireDist('index.js', 'ai.js');
  [api, openai] = await Promise.all([startReference(), startOpenAIServer()]);
  child = spawn(process.execPath, [join(ROOT, 'examples/node-otel/server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      PORT: '0',
      AEGISLOG_ENDPOINT: api.url,
      AEGISLOG_TENANT: TENANT,
      AEGISLOG_API_KEY: READ_KEY,
      AEGISLOG_DIGEST_KEY: DIGEST_KEY,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => output.push(String(d)));
  for await (const line of createInterface({ input: child.stdout! })) {
    output.push(line);
    const found = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/);
    if (found) {
      url = found[1]!;
      break;
    }
  }
  if (!url) throw new Error(`the example did not start:\n${output.join('')}`);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await Promise.all([api?.close(), openai?.close()]);
});

describe.skipIf(!stripsTypes)('Node service with OpenTelemetry and the span processor', () => {
  it('answers; on SIGTERM the model-call span is recorded and delivered: the exact event', async () => {
    openai.script({ json: chatCompletion('Opened headphones can be returned within 30 days.') });
    const res = await fetch(`${url}/answer`, { method: 'POST', body: JSON.stringify({ question: 'Can I return opened headphones?' }) });
    expect(await res.json()).toEqual({ answer: 'Opened headphones can be returned within 30 days.' });
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code, output.join('\n')).toBe(0);

    const exported = await (await fetch(`${api.url}/export?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } })).text();
    // A header line (PROTOCOL.md §6.2), then one receipt a line.
    const ids = exported.split('\n').filter(Boolean).slice(1).map((l) => JSON.parse(l).event_id as string);
    expect(ids).toHaveLength(1);
    const { event } = await api.evidence(ids[0]!);
    expect(event).toEqual({
      tenant_id: TENANT,
      event_type: 'model_inference',
      event_id: expect.any(String),
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      recorded_at: expect.any(String),
      // The client numbers every record of its queue (PROTOCOL.md §2).
      client_id: expect.any(String),
      client_seq: expect.any(Number),
      integration: 'opentelemetry',
      operation: 'chat',
      streamed: false,
      provider: 'openai',
      response_model_id: SNAPSHOT,
      response_id: 'chatcmpl-1',
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: 'Answer in one sentence.'.length + 'Can I return opened headphones?'.length,
      output_chars: 'Opened headphones can be returned within 30 days.'.length,
      input_digest: hmac({
        instructions: [{ type: 'text', content: 'Answer in one sentence.' }],
        messages: [{ role: 'user', parts: [{ type: 'text', content: 'Can I return opened headphones?' }] }],
      }),
      output_digest: hmac('Opened headphones can be returned within 30 days.'),
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      model_context: { model_id: 'gpt-4o-mini', model_version: SNAPSHOT, model_type: 'llm', deployment_id: 'node-service' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
  });
});
