// The span processor with the real @opentelemetry/sdk-trace-base 2.x and @opentelemetry/api 1.9: spans
// written as OpenLLMetry, OpenInference and the AI SDK's own OpenTelemetry integration (@ai-sdk/otel, with
// ai@7 and its mock models) write them, recorded through the real client into the reference server.
import { OpenTelemetry } from '@ai-sdk/otel';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { embedMany, experimental_decide as decide, generateText, rerank, streamText, type Experimental_DecisionModel } from 'ai';
import { convertArrayToReadableStream, MockEmbeddingModelV4, MockLanguageModelV4, MockRerankingModelV4 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogSpanProcessor } from '../../src/ai/index.js';
import { generated, harness, TENANT, type Harness } from './harness.js';
import { DIGEST_KEY, generateResult, hmac, RESPONSE, streamParts } from './mock-model.js';

let h: Harness;
let provider: BasicTracerProvider;
let tracer: Tracer;
beforeAll(async () => {
  h = await harness();
  provider = new BasicTracerProvider({ spanProcessors: [aegislogSpanProcessor({ log: h.log, digestKey: DIGEST_KEY })] });
  tracer = provider.getTracer('test');
});
afterAll(async () => {
  await provider?.shutdown();
  await h?.close();
});

const INPUT = [{ role: 'user', parts: [{ type: 'text', content: 'Is the refund approved?' }] }];
const SYSTEM = [{ type: 'text', content: 'Answer in one line.' }];
const OUTPUT = [{ role: 'assistant', parts: [{ type: 'text', content: 'Yes, on 2 May.' }, { type: 'tool_call', id: 'c1', name: 'notify', arguments: {} }], finish_reason: 'tool_call' }];

/** A finished span with these attributes, as an instrumentation library would end it. */
function span(name: string, attributes: Record<string, any>, end?: (s: ReturnType<Tracer['startSpan']>) => void, parent?: ReturnType<Tracer['startSpan']>) {
  const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : undefined;
  const s = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx);
  end?.(s);
  s.end();
  return s;
}

describe('GenAI semantic conventions (v1.41.0)', () => {
  it('a chat span becomes the exact event; trace_id is the span trace id', async () => {
    const s = span('chat gpt-4o', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-9',
      'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.request.stream': true,
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.input.messages': JSON.stringify(INPUT),
      'gen_ai.system_instructions': JSON.stringify(SYSTEM),
      'gen_ai.output.messages': JSON.stringify(OUTPUT),
    });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      trace_id: s.spanContext().traceId,
      event_type: 'model_inference',
      integration: 'opentelemetry',
      operation: 'chat',
      streamed: true,
      provider: 'openai',
      response_model_id: 'gpt-4o-2024-08-06',
      response_id: 'chatcmpl-9',
      outcome: 'ok',
      finish_reason: 'tool-calls',
      tool_calls: ['notify'],
      time_to_first_token_ms: 250,
      input_chars: 'Is the refund approved?'.length + 'Answer in one line.'.length,
      output_chars: 'Yes, on 2 May.'.length,
      input_digest: hmac({ instructions: SYSTEM, messages: INPUT }),
      output_digest: hmac('Yes, on 2 May.'),
      span_id: s.spanContext().spanId,
      model_context: { model_id: 'gpt-4o', model_version: 'gpt-4o-2024-08-06', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 21, output_tokens: 9 },
    });
  });

  it('a tool_call part without a name (an instrumentation that leaves it out) is left out, not the event', async () => {
    const output = [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'notify', arguments: {} }, { type: 'tool_call', id: 'c2', arguments: {} }], finish_reason: 'tool_call' }];
    span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.output.messages': JSON.stringify(output) });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.tool_calls])).toEqual([['ok', ['notify']]]);
  });

  it('one output message per choice: the text is the first choice\'s; an answer of tool calls only has no output size or digest', async () => {
    const choices = [
      { role: 'assistant', parts: [{ type: 'text', content: 'Yes.' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'No.' }], finish_reason: 'stop' },
    ];
    span('chat n2', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.output.messages': JSON.stringify(choices) });
    const toolOnly = [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: {} }], finish_reason: 'tool_call' }];
    span('chat tools', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.output.messages': JSON.stringify(toolOnly) });
    const [two, tools] = await h.events();
    // It used to be the digest of "Yes.No.", which is neither answer.
    expect(two).toMatchObject({ output_chars: 4, output_digest: hmac('Yes.') });
    expect(tools).toMatchObject({ tool_calls: ['lookup'] });
    expect('output_chars' in tools! || 'output_digest' in tools!).toBe(false);
  });

  it('the older names (gen_ai.system, prompt/completion tokens, llm.request.type) and OpenInference', async () => {
    span('openai.chat', { 'llm.request.type': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.prompt_tokens': 5, 'gen_ai.usage.completion_tokens': 3 });
    span('ChatOpenAI', { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4.1', 'llm.provider': 'openai', 'llm.token_count.prompt': 7, 'llm.token_count.completion': 2 });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.provider, e.model_context.model_id, e.performance_metrics.input_tokens, e.performance_metrics.output_tokens])).toEqual([
      ['chat', 'openai', 'gpt-4o-mini', 5, 3],
      ['chat', 'openai', 'gpt-4.1', 7, 2],
    ]);
    // No content recorded on the spans: no sizes, no digests.
    expect(events.every((e) => e.input_digest === undefined && e.input_chars === undefined)).toBe(true);
  });

  it("providers' own finish reasons (Anthropic, Gemini, Bedrock) in the AI SDK's words, with their anomaly flags", async () => {
    // As instrumentations of those providers write them (gen_ai.response.finish_reasons holds the provider's value).
    const reasons = ['end_turn', 'max_tokens', 'tool_use', 'refusal', 'STOP', 'MAX_TOKENS', 'SAFETY', 'guardrail_intervened', 'stop_sequence', 'stop'];
    for (const reason of reasons) span(`chat ${reason}`, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.finish_reasons': [reason] });
    const events = await h.events();
    expect(events.map((e) => [e.finish_reason, e.performance_metrics.anomaly_flags])).toEqual([
      ['stop', undefined],
      ['length', ['length']],
      ['tool-calls', undefined],
      ['content-filter', ['content_filter']],
      ['stop', undefined],
      ['length', ['length']],
      ['content-filter', ['content_filter']],
      ['content-filter', ['content_filter']],
      ['stop', undefined],
      ['stop', undefined],
    ]);
  });

  it('finish_reasons written as a plain string (not the list of the conventions) is read alike', async () => {
    span('chat one', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.finish_reasons': 'max_tokens' });
    span('chat two', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.finish_reasons': ['max_tokens'] });
    const events = await h.events();
    expect(events.map((e) => [e.finish_reason, e.performance_metrics.anomaly_flags])).toEqual([
      ['length', ['length']],
      ['length', ['length']],
    ]);
  });

  it('a span whose model finished with reason error, its status unset: outcome error, as the other integrations say', async () => {
    span('chat gemini', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gemini', 'gen_ai.response.finish_reasons': ['MALFORMED_FUNCTION_CALL'] });
    span('chat m', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.finish_reasons': ['error'] });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.error, e.performance_metrics.anomaly_flags])).toEqual([
      ['error', 'error', undefined, ['error']],
      ['error', 'error', undefined, ['error']],
    ]);
  });

  it('a failed call: outcome error, with the exception type and message', async () => {
    span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'error.type': 'RateLimitError' }, (s) => {
      s.recordException({ name: 'RateLimitError', message: '429 slow down' });
      s.setStatus({ code: SpanStatusCode.ERROR, message: '429 slow down' });
    });
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'error', error: { name: 'RateLimitError', message: '429 slow down' }, performance_metrics: { anomaly_flags: ['error'] } });
  });

  it('a failed call with no exception event nor error.type: the error is named Error', async () => {
    span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }, (s) => s.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 502' }));
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'error', error: { name: 'Error', message: 'upstream 502' } });
  });

  it('spans that are not one model call are not recorded: agents, tools, retrieval, HTTP', async () => {
    span('invoke_agent support', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.request.model': 'gpt-4o' });
    span('execute_tool notify', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'notify' });
    span('retrieval docs', { 'gen_ai.operation.name': 'retrieval', 'gen_ai.request.model': 'text-embedding-3-small' });
    span('POST', { 'http.request.method': 'POST', 'url.full': 'https://api.openai.com/v1/chat/completions' });
    expect(await h.events()).toEqual([]);
  });

  it('the same call seen twice (a provider instrumentation inside a framework span): recorded once, from the inner span', async () => {
    const outer = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'outer' } });
    span('openai.chat', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'inner' }, undefined, outer);
    outer.end();
    const events = await h.events();
    expect(events.map((e) => e.model_context.model_id)).toEqual(['inner']);
  });

  it('an input too deep to digest: onError is told, no unhandled rejection, the calls before it recorded', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    const errors: unknown[] = [];
    const own = new BasicTracerProvider({ spanProcessors: [aegislogSpanProcessor({ log: h.log, digestKey: DIGEST_KEY, onError: (e) => errors.push(e) })] });
    const t = own.getTracer('deep');
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.input.messages': JSON.stringify(INPUT) };
    t.startSpan('chat 1', { attributes }).end();
    // Nested past any stack (a tool's JSON result, say): its digest fails while the one before is still being computed.
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    t.startSpan('chat 2', { attributes: { ...attributes, 'gen_ai.input.messages': deep } }).end();
    try {
      await own.forceFlush();
      const events = await h.events();
      expect(events.map((e) => e.input_digest)).toEqual([hmac({ messages: INPUT })]);
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_TOO_DEEP', field: `messages${'[0]'.repeat(255)}` })]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
      await own.shutdown();
    }
  });

  it('an isModelCall that throws: onError is told, with the event type; the spans after it recorded', async () => {
    const errors: unknown[] = [];
    const infos: unknown[] = [];
    const broken = new Error('isModelCall broke');
    const own = new BasicTracerProvider({
      spanProcessors: [
        aegislogSpanProcessor({
          log: h.log,
          isModelCall: (s) => {
            if (s.name === 'chat broken') throw broken;
            return true;
          },
          onError: (e, info) => (errors.push(e), infos.push(info)),
        }),
      ],
    });
    const t = own.getTracer('picker');
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' };
    t.startSpan('chat broken', { attributes }).end();
    t.startSpan('chat after', { attributes }).end();
    try {
      await own.forceFlush();
      expect((await h.events()).map((e) => e.model_context.model_id)).toEqual(['gpt-4o']);
      expect(errors).toEqual([broken]);
      expect(infos).toEqual([{ eventType: 'model_inference', call: undefined }]);
    } finally {
      await own.shutdown();
    }
  });

  it('forceFlush() delivers the events being prepared', async () => {
    const s = span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' });
    await provider.forceFlush();
    const exported = await (await h.server.call(`/export?tenant_id=${TENANT}`)).text();
    const [event] = await h.events();
    expect(event!.trace_id).toBe(s.spanContext().traceId);
    expect(exported).toContain(event!.event_id);
  });
});

describe('embedding spans', () => {
  it('a GenAI embeddings span becomes the exact event: model_type embedding, its tokens and dimensions, no output', async () => {
    const s = span('embeddings text-embedding-3-small', {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.response.model': 'text-embedding-3-small-2024',
      'gen_ai.usage.input_tokens': 8,
      'gen_ai.embeddings.dimension.count': 1536,
    });
    expect(await h.events()).toEqual([
      {
        ...generated,
        trace_id: s.spanContext().traceId,
        event_type: 'model_inference',
        integration: 'opentelemetry',
        operation: 'embeddings',
        streamed: false,
        provider: 'openai',
        response_model_id: 'text-embedding-3-small-2024',
        outcome: 'ok',
        embedding_dimensions: 1536,
        span_id: s.spanContext().spanId,
        model_context: { model_id: 'text-embedding-3-small', model_version: 'text-embedding-3-small-2024', model_type: 'embedding' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 8 },
      },
    ]);
  });

  it('OpenLLMetry (llm.request.type embedding) and OpenInference (EMBEDDING) embedding spans, as operation embeddings', async () => {
    span('openai.embeddings', { 'llm.request.type': 'embedding', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.usage.prompt_tokens': 5 });
    span('OpenAIEmbeddings', { 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-3-large', 'llm.token_count.prompt': 7 });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.model_context.model_id, e.model_context.model_type, e.performance_metrics.input_tokens, e.outcome])).toEqual([
      ['embeddings', 'text-embedding-3-small', 'embedding', 5, 'ok'],
      ['embeddings', 'text-embedding-3-large', 'embedding', 7, 'ok'],
    ]);
    expect(events.some((e) => 'output_digest' in e || 'output_chars' in e || 'finish_reason' in e)).toBe(false);
  });

  it('a failed embeddings call: outcome error, with its exception', async () => {
    span('embeddings m', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'm', 'error.type': 'RateLimitError' }, (s) => {
      s.recordException({ name: 'RateLimitError', message: '429 slow down' });
      s.setStatus({ code: SpanStatusCode.ERROR, message: '429 slow down' });
    });
    const [event] = await h.events();
    expect(event).toMatchObject({ operation: 'embeddings', outcome: 'error', error: { name: 'RateLimitError', message: '429 slow down' }, model_context: { model_type: 'embedding' } });
  });

  it('a chat span enclosing an embeddings span (retrieval inside the call): two calls, each recorded', async () => {
    const outer = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } });
    span('embeddings e', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'e' }, undefined, outer);
    outer.end();
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.model_context.model_id])).toEqual([
      ['embeddings', 'e'],
      ['chat', 'gpt-4o'],
    ]);
  });

  it('the same embedding call seen twice (an instrumentation inside a framework span): recorded once, from the inner span', async () => {
    const outer = tracer.startSpan('embeddings outer', { attributes: { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'outer' } });
    span('openai.embeddings', { 'llm.request.type': 'embedding', 'gen_ai.request.model': 'inner' }, undefined, outer);
    outer.end();
    const events = await h.events();
    expect(events.map((e) => e.model_context.model_id)).toEqual(['inner']);
  });

  it("the AI SDK's embedMany (@ai-sdk/otel): one event per model call, not the operation span around them", async () => {
    const model = new MockEmbeddingModelV4({
      maxEmbeddingsPerCall: 2,
      doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.5, -0.25, 1]), usage: { tokens: 3 * values.length }, warnings: [] }),
    });
    const result = await embedMany({ model, values: ['a', 'b', 'c'], telemetry: { integrations: [new OpenTelemetry({ tracer })] } });
    expect(result.embeddings).toHaveLength(3);
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.provider, e.model_context.model_id, e.model_context.model_type, e.performance_metrics.input_tokens])).toEqual([
      ['embeddings', 'mock-provider', 'mock-model-id', 'embedding', 6],
      ['embeddings', 'mock-provider', 'mock-model-id', 'embedding', 3],
    ]);
  });
});

describe('rerank spans', () => {
  it("the AI SDK's rerank (@ai-sdk/otel): one event from the model call, not the operation span around it", async () => {
    const model = new MockRerankingModelV4({
      doRerank: async () => ({ ranking: [{ index: 1, relevanceScore: 0.8 }, { index: 0, relevanceScore: 0.1 }], response: { id: 'rr-1', modelId: 'mock-reranker', timestamp: new Date(0) } }),
    });
    const documents = ['It left the depot.', 'Shoes can be returned.'];
    const result = await rerank({ model, query: 'Where is my parcel?', documents, telemetry: { integrations: [new OpenTelemetry({ tracer })] } });
    expect(result.ranking.map((r) => r.originalIndex)).toEqual([1, 0]);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'opentelemetry',
      operation: 'rerank',
      streamed: false,
      provider: 'mock-provider',
      outcome: 'ok',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      model_context: { model_id: 'mock-model-id', model_version: 'unreported', model_type: 'reranker' },
      performance_metrics: { latency_ms: expect.any(Number) },
    });
  });

  it('OpenLLMetry (llm.request.type rerank) and OpenInference (RERANKER) spans: operation rerank, no output', async () => {
    span('cohere.rerank', { 'llm.request.type': 'rerank', 'gen_ai.system': 'Cohere', 'gen_ai.request.model': 'rerank-v3.5', 'gen_ai.usage.prompt_tokens': 40 });
    span('CohereRerank', { 'openinference.span.kind': 'RERANKER', 'reranker.model_name': 'rerank-english-v3.0' });
    span('rerank r', { 'gen_ai.operation.name': 'rerank', 'gen_ai.request.model': 'r', 'error.type': 'BadRequestError' }, (s) => s.setStatus({ code: SpanStatusCode.ERROR, message: 'too many documents' }));
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.model_context.model_id, e.model_context.model_type, e.performance_metrics.input_tokens, e.outcome])).toEqual([
      ['rerank', 'rerank-v3.5', 'reranker', 40, 'ok'],
      ['rerank', 'rerank-english-v3.0', 'reranker', undefined, 'ok'],
      ['rerank', 'r', 'reranker', undefined, 'error'],
    ]);
    expect(events.some((e) => 'output_digest' in e || 'output_chars' in e || 'finish_reason' in e)).toBe(false);
  });

  it('a chat span enclosing a rerank span (a RAG call): two calls; the same rerank seen twice: once', async () => {
    const outer = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } });
    const framework = tracer.startSpan('rerank outer', { attributes: { 'gen_ai.operation.name': 'rerank', 'gen_ai.request.model': 'outer' } }, trace.setSpan(ROOT_CONTEXT, outer));
    span('cohere.rerank', { 'llm.request.type': 'rerank', 'gen_ai.request.model': 'inner' }, undefined, framework);
    framework.end();
    outer.end();
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.model_context.model_id])).toEqual([
      ['rerank', 'inner'],
      ['chat', 'gpt-4o'],
    ]);
  });
});

describe('decision spans', () => {
  /** A decision model of the SDK's contract: the first question refused when `refuse` says so. */
  const model = (refuse = false): Experimental_DecisionModel => ({
    specificationVersion: 'v4',
    provider: 'acme.decision',
    modelId: 'screener-1',
    supportedQuestionTypes: ['boolean', 'choice'],
    doDecide: async () => ({
      answers: { shortlist: refuse ? { type: 'refusal' } : { type: 'boolean', probability: 0.3 }, track: { type: 'choice', choice: 'backend' } },
      usage: { inputTokens: 300, outputTokens: 4 },
      warnings: [],
      response: { id: 'dec-1', modelId: 'screener-1-2026-11' },
    }),
  });
  const questions = { shortlist: { type: 'boolean' as const, instructions: 'Shortlist for interview?' }, track: { type: 'choice' as const, instructions: 'Which track?', criteria: { backend: 'Servers.', frontend: null } } };
  const state = 'CV: 6 years of Go and PostgreSQL.';

  it("the AI SDK's experimental_decide (@ai-sdk/otel, decisions on): one event from the model call, its answers", async () => {
    const result = await decide({ model: model(), state, questions, telemetry: { integrations: [new OpenTelemetry({ tracer, experimental_decision: true })] } });
    expect(result.answers.track).toEqual({ type: 'choice', choice: 'backend' });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'opentelemetry',
      operation: 'decide',
      streamed: false,
      provider: 'acme.decision',
      response_model_id: 'screener-1-2026-11',
      response_id: 'dec-1',
      outcome: 'ok',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      // What the span says it was asked: the state as the SDK prepared it, the questions.
      input_digest: hmac({ state: [{ type: 'text', text: state }], questions }),
      input_chars: state.length + 'Shortlist for interview?'.length + 'Which track?'.length + 'Servers.'.length,
      decision_answers: [
        { name: 'shortlist', type: 'boolean', probability: 0.3 },
        { name: 'track', type: 'choice', choice: 'backend' },
      ],
      decision_refusals: 0,
      model_context: { model_id: 'screener-1', model_version: 'screener-1-2026-11', model_type: 'classifier' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 300, output_tokens: 4 },
    });
  });

  it('decisions off (the default): the call without what it was asked or answered; a refusal, failed', async () => {
    const integrations = [new OpenTelemetry({ tracer })];
    await decide({ model: model(), state, questions, telemetry: { integrations } });
    await expect(decide({ model: model(true), state, questions, telemetry: { integrations } })).rejects.toThrow(/refused question "shortlist"/);
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.model_context.model_type, e.input_digest, e.decision_answers, e.performance_metrics.input_tokens])).toEqual([
      ['decide', 'ok', undefined, 'classifier', undefined, undefined, 300],
      ['decide', 'error', 'AI_DecisionRefusalError', 'classifier', undefined, undefined, undefined],
    ]);
  });

  it('a decide span whose content attributes are not JSON: digested as given, no answers, no characters of the questions', async () => {
    span('decide d', { 'gen_ai.operation.name': 'decide', 'gen_ai.request.model': 'd', 'ai.decision.state': 'Parcel 7.', 'ai.decision.questions': '{oops', 'ai.decision.answers': 'none' });
    const [event] = await h.events();
    expect([event!.operation, event!.input_digest, event!.input_chars, event!.decision_answers, event!.model_context.model_type]).toEqual(['decide', hmac({ state: 'Parcel 7.', questions: '{oops' }), 'Parcel 7.'.length, undefined, 'classifier']);
    // Criteria that are a string, not descriptions by option: its characters are not texts the model was given.
    span('decide d', { 'gen_ai.operation.name': 'decide', 'gen_ai.request.model': 'd', 'ai.decision.state': 'Parcel 7.', 'ai.decision.questions': JSON.stringify({ q: { type: 'choice', instructions: 'Pick.', criteria: 'abc' } }) });
    const [odd] = await h.events();
    expect(odd!.input_chars).toBe('Parcel 7.'.length + 'Pick.'.length);
  });
});

describe("the AI SDK's OpenTelemetry integration (@ai-sdk/otel)", () => {
  it('generateText: one event, from the model-call span (not the agent span around it)', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult('Refund approved.') });
    const result = await generateText({ model, prompt: 'Refund?', telemetry: { integrations: [new OpenTelemetry({ tracer })] } });
    expect(result.text).toBe('Refund approved.');
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      integration: 'opentelemetry',
      operation: 'chat',
      streamed: false,
      provider: 'mock-provider',
      response_model_id: RESPONSE.modelId,
      response_id: RESPONSE.id,
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: 'Refund?'.length,
      output_chars: 'Refund approved.'.length,
      output_digest: hmac('Refund approved.'),
      model_context: { model_id: 'mock-model-id', model_version: RESPONSE.modelId, model_type: 'llm' },
      performance_metrics: { input_tokens: 11, output_tokens: 5 },
    });
    expect(event!.input_digest).toBe(hmac({ messages: [{ role: 'user', parts: [{ type: 'text', content: 'Refund?' }] }] }));
  });

  it('streamText: one event, with time to first token', async () => {
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Refund ', 'approved.'])) }) });
    const result = streamText({ model, prompt: 'Refund?', telemetry: { integrations: [new OpenTelemetry({ tracer })] } });
    expect(await result.text).toBe('Refund approved.');
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ operation: 'chat', streamed: true, outcome: 'ok', output_chars: 16, time_to_first_token_ms: expect.any(Number) });
  });
});
