/**
 * Amazon Bedrock Runtime through the AWS SDK v3 (`@aws-sdk/client-bedrock-runtime`): `wrapBedrock(client, { log })`
 * records one event per `send` of a `ConverseCommand`, `ConverseStreamCommand`, `InvokeModelCommand` or
 * `InvokeModelWithResponseStreamCommand` (and per call of the aggregated `BedrockRuntime`'s `converse()`… methods,
 * which send them). It records through the SDK's own extension point: a middleware on the client's stack, at the
 * `initialize` step, so once per `send` however many attempts the SDK's retries make. The app gets exactly what the
 * SDK returns (the same output object, the same event stream, whose iterator is watched as the app reads it).
 * Nothing of the AWS SDK is imported.
 */
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, checkClient, once, recorder, stopwatch, textChars, track, type Recorder } from './record.js';
import { append, copy, onAnswer } from './sdk-watch.js';
import { READS as ANTHROPIC, tokens as anthropicTokens } from './anthropic.js';

/** The middleware's name on the stack: the stack refuses a second of the same name, which is what makes a second wrap a no-op. */
const NAME = 'aegislogMiddleware';

/** The commands recorded (the handler context's `commandName`), as the event's `operation`: the aggregated client's method names. */
const OPERATIONS: Record<string, string> = {
  ConverseCommand: 'converse',
  ConverseStreamCommand: 'converseStream',
  InvokeModelCommand: 'invokeModel',
  InvokeModelWithResponseStreamCommand: 'invokeModelWithResponseStream',
};

/** What the SDK hands a middleware: `{ input }` (the command's), and resolves with `{ output, response }`. */
type Handler = (args: { input?: Record<string, any> }) => Promise<{ output?: any; response?: any }>;
/** The handler context: the command's name, and the smithy context that carries `send`'s `abortSignal`. */
type Context = { commandName?: string; __smithy_context?: { abortSignal?: AbortSignal } };
/** The client's middleware stack, as far as this uses it. */
interface Stack {
  add(middleware: (next: Handler, context: Context) => Handler, options: { step: 'initialize'; priority: 'high'; name: string }): void;
}

/**
 * The client (a `BedrockRuntimeClient` or a `BedrockRuntime`), with a middleware on its stack that records the model
 * calls (its other commands pass through untouched). Wrapping it again changes nothing.
 */
export function wrapBedrock<C extends object>(client: C, options: AiOptions): C {
  check(options);
  checkClient(client);
  const record = recorder(options);
  try {
    (client as { middlewareStack: Stack }).middlewareStack.add((next, context) => middleware(next, context, record, options), { step: 'initialize', priority: 'high', name: NAME });
  } catch {
    // Already wrapped: the stack throws on a duplicate name (`Duplicate middleware name`), and the first wrap records.
    // (Or no AWS SDK client, with no stack: nothing to record, as wrapGoogleGenAI leaves a client with no `models`.)
  }
  return client;
}

/** What an answer (or the stream's events so far) says, as AiCall fields, and its usage as last reported. */
type Summary = Partial<AiCall> & { toolCalls: string[]; usage?: Record<string, any>; said?: Record<string, unknown> };

function middleware(next: Handler, context: Context, record: Recorder, options: AiOptions): Handler {
  const operation = OPERATIONS[context?.commandName!];
  if (!operation) return next;
  return async (args) => {
    const done = track(options);
    const elapsed = stopwatch();
    const seen: Summary = { toolCalls: [] };
    const input = args?.input;
    const signal = context.__smithy_context?.abortSignal;
    const streamed = operation.endsWith('Stream');
    const invoke = operation.startsWith('invoke');
    // Converse's messages and system blocks as sent: copied at the call, since an app appends the answer and its next
    // turn to the same list, often before the event's digest is computed. InvokeModel's body: the bytes (or string)
    // as given; an Anthropic body (`anthropic_version`) read for its messages, as wrapAnthropic reads them.
    const body = invoke ? bodyOf(input?.body) : undefined;
    const claude = typeof body?.json?.anthropic_version === 'string' ? body.json : undefined;
    const system = claude ? claude.system : copy(input?.system);
    const messages = claude ? claude.messages : copy(input?.messages);
    const end = once((fill: Partial<AiCall>) => {
      record(() => {
        const { usage, said, ...rest } = seen;
        return {
          integration: 'bedrock',
          operation,
          streamed,
          provider: 'amazon-bedrock',
          modelId: String(input?.modelId),
          outcome: 'ok',
          latencyMs: elapsed(),
          input: invoke && !claude ? input?.body : { system, messages },
          inputChars: invoke && !claude ? undefined : textChars(messages) + textChars(system),
          request: input,
          ...(claude ? anthropicTokens(usage) : tokens(usage)),
          ...rest,
          ...fill,
          // The Anthropic reader sets `extra` to its stop_reason: what this adds goes beside it.
          extra: { ...(invoke && { input_bytes: body?.bytes }), ...rest.extra, ...said, ...fill.extra },
        };
      }, done);
    });
    const failed = (error: any) => {
      // A service exception's request id, what AWS support asks for: the answer's own id, as a call that succeeded has it.
      if (typeof error?.$metadata?.requestId === 'string') seen.responseId ??= error.$metadata.requestId;
      end({ outcome: outcomeOf(error, 'error', signal), error: typed(error) });
    };
    const first = () => (seen.timeToFirstTokenMs ??= elapsed());
    let result;
    try {
      result = await next(args);
    } catch (error) {
      failed(error);
      throw error;
    }
    const output = result?.output;
    if (typeof output?.$metadata?.requestId === 'string') seen.responseId = output.$metadata.requestId;
    if (!invoke) onAnswer(streamed, seen, converseAnswer, converseEvent, end, failed, first, signal)(streamed ? output?.stream : output);
    else if (!streamed) {
      // Its response only: a closure over `result` would hold a stream the app drops from collection (sdk-watch.ts).
      const response = result?.response;
      onAnswer(false, seen, (answer, into) => invokeAnswer(answer, response, claude, into), () => undefined, end, failed, first)(output);
    } else {
      // A stream of a model whose body this does not read has no finish reason to end with: its end is no interruption.
      const ended = (fill: Partial<AiCall>) => end(!claude && fill.finishReason === 'interrupted' ? {} : fill);
      onAnswer(true, seen, () => undefined, (item, into, first) => invokeChunk(item, claude, into, first), ended, failed, first, signal)(output?.body);
    }
    return result;
  };
}

/** The words finish_reason may take; a stopReason this wrapper does not know (`malformed_model_output`, newer ones) is `other`. */
const UNIFIED = /^(stop|length|content-filter|tool-calls|error|other)$/;

/**
 * stopReason in the AI SDK's words, as its Bedrock provider maps them (finish.ts): end_turn, stop_sequence → stop;
 * max_tokens, model_context_window_exceeded → length; tool_use → tool-calls; guardrail_intervened, content_filtered →
 * content-filter; any other → other. The word as sent is kept as `stop_reason`, as wrapAnthropic keeps Anthropic's.
 */
function stop(reason: unknown, into: Summary): void {
  if (typeof reason !== 'string') return;
  const unified = finishOf(reason);
  into.finishReason = UNIFIED.test(unified) ? unified : 'other';
  into.said = { ...into.said, stop_reason: reason };
}

/** The service's own latency (`metrics.latencyMs`), kept beside the one measured here. */
function metrics(value: any, into: Summary): void {
  if (typeof value?.latencyMs === 'number') into.said = { ...into.said, bedrock_latency_ms: value.latencyMs };
}

/**
 * A Converse answer: its message's text blocks are the output, its toolUse blocks the tool calls (reasoningContent is
 * not output, as Anthropic's thinking is not); its stopReason, usage and metrics.
 */
function converseAnswer(answer: any, into: Summary): void {
  for (const block of answer?.output?.message?.content ?? []) {
    if (typeof block?.toolUse?.name === 'string') into.toolCalls.push(block.toolUse.name);
    else append(into, block?.text);
  }
  stop(answer?.stopReason, into);
  into.usage = answer?.usage;
  metrics(answer?.metrics, into);
}

/**
 * A ConverseStream event: contentBlockStart (a tool use's name), contentBlockDelta (text is output; any delta, text,
 * a tool use's input or reasoning, is generated: the first one is the first token), messageStop (stopReason),
 * metadata (usage, metrics). An exception the service sends mid-stream fails the call: the SDK throws it when it
 * comes as an exception message (the stream's failure is recorded), and yields it, an error of its own, as a member
 * `…Exception` of the stream's union when it comes as an event.
 */
function converseEvent(event: any, into: Summary, first: () => void): void {
  if (event?.contentBlockDelta) {
    first();
    append(into, event.contentBlockDelta.delta?.text);
  } else if (event?.contentBlockStart) {
    const name = event.contentBlockStart.start?.toolUse?.name;
    if (typeof name === 'string') {
      first();
      into.toolCalls.push(name);
    }
  } else if (event?.messageStop) stop(event.messageStop.stopReason, into);
  else if (event?.metadata) {
    into.usage = event.metadata.usage;
    metrics(event.metadata.metrics, into);
  } else {
    for (const key in event) if (key.endsWith('Exception')) (into.outcome = 'error'), (into.error = typed(event[key]));
  }
}

/**
 * Converse token counts: the input is every token of the prompt, `inputTokens` and those written to and read from
 * the prompt cache (as wrapAnthropic counts them); the output is `outputTokens`.
 */
function tokens(usage: Record<string, any> | undefined): Partial<AiCall> | undefined {
  if (!usage) return undefined;
  const input = usage.inputTokens;
  return {
    inputTokens: typeof input === 'number' ? input + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0) : undefined,
    outputTokens: usage.outputTokens,
  };
}

const utf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * An InvokeModel body as given (a string or bytes): its size in bytes, and its JSON when it names an
 * `anthropic_version` (parsed on the call's path: any other body, which may carry megabytes of base64 images, is
 * not parsed at all).
 */
function bodyOf(body: unknown): { bytes?: number; json?: any } | undefined {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : undefined;
  if (!bytes) return undefined;
  const text = typeof body === 'string' ? body : utf8(bytes);
  try {
    return { bytes: bytes.byteLength, json: text.includes('"anthropic_version"') ? JSON.parse(text) : undefined };
  } catch {
    return { bytes: bytes.byteLength };
  }
}

/**
 * An InvokeModel answer: its body's size; for an Anthropic body, the message as wrapAnthropic reads it (text, tool
 * calls, stop_reason, usage, id and model); for any other, the token counts Bedrock sends as headers for every model.
 */
function invokeAnswer(answer: any, response: any, claude: unknown, into: Summary): void {
  const body: Uint8Array | undefined = answer?.body instanceof Uint8Array ? answer.body : undefined;
  into.said = { ...into.said, output_bytes: body?.byteLength };
  if (claude && body) {
    let message;
    try {
      message = JSON.parse(utf8(body));
    } catch {
      return; // not the JSON asked for: its size alone
    }
    return ANTHROPIC.answer(message, into);
  }
  const header = (name: string) => {
    const value = Number(response?.headers?.[name]);
    return response?.headers?.[name] != null && Number.isFinite(value) ? value : undefined;
  };
  into.inputTokens = header('x-amzn-bedrock-input-token-count');
  into.outputTokens = header('x-amzn-bedrock-output-token-count');
}

/**
 * An InvokeModelWithResponseStream event: a `chunk` of the model's own bytes, whose size counts toward
 * `output_bytes`. An Anthropic chunk is read as wrapAnthropic reads the event (its first delta is the first token);
 * any other model's first chunk is its first token, and its last chunk, when its chunks are JSON, carries Bedrock's
 * `amazon-bedrock-invocationMetrics` (token counts).
 */
function invokeChunk(item: any, claude: unknown, into: Summary, first: () => void): void {
  const bytes = item?.chunk?.bytes;
  if (!(bytes instanceof Uint8Array)) return;
  if (!claude) first();
  into.said = { ...into.said, output_bytes: ((into.said?.output_bytes as number) ?? 0) + bytes.byteLength };
  let event;
  try {
    event = JSON.parse(utf8(bytes));
  } catch {
    return; // a body of its own, not JSON: its size alone
  }
  if (claude) ANTHROPIC.item(event, into, first);
  const counted = event?.['amazon-bedrock-invocationMetrics'];
  if (!claude && counted) {
    into.inputTokens = counted.inputTokenCount;
    into.outputTokens = counted.outputTokenCount;
  }
}

/**
 * The SDK's error as the event records it: a service exception (`ThrottlingException`, `ValidationException`, a
 * stream's `ModelStreamErrorException`) carries its name and its response's `$metadata.httpStatusCode` (a stream's
 * exception has none: its response was a 200): recorded as the error's `status` and its name as its `code`. A view
 * of the same error (its prototype), never a change to the one the app is given.
 */
function typed(error: any): unknown {
  if (!(error?.$metadata || error?.$fault) || typeof error.name !== 'string' || error.code !== undefined) return error;
  return Object.create(error, { status: { value: error.$metadata?.httpStatusCode }, code: { value: error.name } });
}
