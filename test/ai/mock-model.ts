/**
 * Results and streams for the AI SDK's own mock language models (`ai/test`),
 * in the v4 (ai@7) and v3 (ai@6) shapes, which agree on everything used here.
 * The mocks stand in for a model provider, which cannot run here.
 */
import { createHmac } from 'node:crypto';
import { canonicalize } from '../../src/protocol/index.js';

export const DIGEST_KEY = 'operator-secret-key-for-tests-0001';

/** The digest as an auditor would compute it, with node:crypto and the protocol's JCS rather than the code under test. */
export function hmac(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalize(JSON.parse(JSON.stringify(value)));
  return `hmac-sha256:${createHmac('sha256', DIGEST_KEY).update(text, 'utf8').digest('hex')}`;
}

export const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

export const RESPONSE = { id: 'resp-7', modelId: 'mock-model-2026-05', timestamp: new Date(Date.UTC(2026, 4, 1)) };

export function generateResult(text: string, options: { finish?: string; tools?: string[] } = {}) {
  return {
    content: [
      ...(text ? [{ type: 'text' as const, text }] : []),
      ...(options.tools ?? []).map((toolName, i) => ({ type: 'tool-call' as const, toolCallId: `call-${i}`, toolName, input: '{"city":"Paris"}' })),
    ],
    finishReason: { unified: (options.finish ?? (options.tools ? 'tool-calls' : 'stop')) as any, raw: options.finish ?? 'stop' },
    usage: usage(11, 5),
    response: RESPONSE,
    warnings: [],
  };
}

/** The parts of a streamed answer: metadata, the text in pieces, tool calls, the finish. */
export function streamParts(pieces: string[], options: { finish?: string; tools?: string[] } = {}): any[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', ...RESPONSE },
    { type: 'text-start', id: 't1' },
    ...pieces.map((delta) => ({ type: 'text-delta', id: 't1', delta })),
    { type: 'text-end', id: 't1' },
    ...(options.tools ?? []).map((toolName, i) => ({ type: 'tool-call', toolCallId: `call-${i}`, toolName, input: '{"city":"Paris"}' })),
    { type: 'finish', finishReason: { unified: options.finish ?? (options.tools ? 'tool-calls' : 'stop'), raw: options.finish ?? 'stop' }, usage: usage(11, 5) },
  ];
}

/**
 * A stream the test feeds part by part: for aborts and failures part-way.
 * `model(signal)` gives it to a mock model's doStream and, as a provider's
 * fetch does, fails it when the call's abort signal fires.
 */
export function controlledStream() {
  let controller!: ReadableStreamDefaultController<any>;
  let cancelled: unknown = undefined;
  let onCancel: (() => void) | undefined;
  const stream = new ReadableStream<any>({
    start: (c) => void (controller = c),
    cancel: (reason) => {
      cancelled = reason ?? 'cancelled';
      onCancel?.();
    },
  });
  return {
    stream,
    push: (...parts: any[]) => parts.forEach((p) => controller.enqueue(p)),
    fail: (error: unknown) => controller.error(error),
    close: () => controller.close(),
    /** A doStream answer: this stream, failed with the signal's reason when the call is aborted. */
    answer: (options: { abortSignal?: AbortSignal | undefined }) => {
      options.abortSignal?.addEventListener('abort', () => controller.error(options.abortSignal!.reason));
      return Promise.resolve({ stream });
    },
    /** Resolves once the consumer cancelled the stream. */
    cancelled: () => new Promise<unknown>((ok) => (cancelled !== undefined ? ok(cancelled) : (onCancel = () => ok(cancelled)))),
  };
}
