/**
 * The OpenAI SDK: `wrapOpenAI(client, { log })` records one event per `chat.completions.create`,
 * `completions.create`, `embeddings.create`, `moderations.create`, `decisions.create`, `audio.transcriptions.create`,
 * `audio.translations.create`, `audio.speech.create`, `images.generate`, `images.edit`, `images.createVariation`, `responses.create` and
 * `responses.compact` call (`beta.responses`' too), streamed or not, and the final state of a background response
 * as `responses.retrieve` or `responses.cancel` find it.
 * The call returns exactly what the SDK returns (the same `APIPromise`, the same `Stream`): the wrapper only
 * watches the SDK parse the answer, and the stream's items as the app reads them. Nothing of `openai` is imported.
 */
import { AegisLogError } from '../protocol/errors.js';
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, checkClient, once, recorder, stopwatch, textChars, track, UNREPORTED, type Recorder } from './record.js';
import { append, callWatched, copy, WRAPPED, type Create, type FromAnswer, type FromItem } from './sdk-watch.js';
import { modelTyped, vectorsSummary } from './embeddings.js';
import { addImages, Base64Image } from './images.js';
import { decisionSummary } from './decisions.js';
/** `responses.retrieve(id, query?, options?)` and `responses.cancel(id, options?)` (`beta.responses.cancel(id, params?, options?)`). */
type ById = ((this: unknown, id: string, ...rest: any[]) => unknown) & { [WRAPPED]?: true };
type Responses = { create?: Create; compact?: Create; retrieve?: ById; cancel?: ById };
/** The methods that make a model call: `create`, `compact`, and the image API's. */
type Method = 'create' | 'compact' | 'generate' | 'edit' | 'createVariation';

/**
 * The client, with `chat.completions.create`, `completions.create`, `embeddings.create`, `moderations.create`, `decisions.create`,
 * `audio.transcriptions.create`, `audio.translations.create`, `audio.speech.create`, `images.generate`, `.edit` and
 * `.createVariation`, `responses.create`, `.compact`, `.retrieve` and `.cancel` recording, and the same four of `beta.responses` (in
 * place: its other methods are untouched).
 */
export function wrapOpenAI<C extends object>(client: C, options: WrapOpenAIOptions): C {
  check(options);
  checkClient(client);
  // An AzureOpenAI client (the SDK's own subclass) is told by the API version it sends with every call.
  const provider = options.provider ?? (typeof (client as { apiVersion?: unknown }).apiVersion === 'string' ? 'azure' : 'openai');
  if (typeof provider !== 'string' || !provider) throw new AegisLogError('ERR_CONFIG', 'provider is not valid: see the options in docs/ai.md', { field: 'provider' });
  const base = baseUrlOf(client);
  // One recorder for every call (events in the order their calls ended); an embedding, moderation, speech or image
  // model's `model_type` is its own. Each event says which provider served it, and where the client sent it.
  const typed = recorder(modelTyped(options, (call) => MODEL_TYPES[call.operation]));
  const record: Recorder = (summary, done) =>
    typed(() => {
      const call = summary();
      return { ...call, provider, ...(base && { extra: { ...call.extra, base_url: base } }) };
    }, done);
  type Creates = { create?: Create };
  const c = client as { chat?: { completions?: Creates }; completions?: Creates; embeddings?: Creates; moderations?: Creates; decisions?: Creates; audio?: { transcriptions?: Creates; translations?: Creates; speech?: Creates }; images?: Partial<Record<Method, Create>>; responses?: Responses; beta?: { responses?: Responses } };
  /** Background responses whose final state is recorded: by a create that streamed it, or a retrieve or cancel. */
  const final = new Set<string>();
  wrap(c.chat?.completions, 'create', 'chat.completions', record, options, CHAT);
  // The legacy text completions (a `prompt` in, `choices[].text` out): what OpenAI-compatible servers (vLLM,
  // llama.cpp) and instruct models still answer. Its answers are chat's with `text` for `message.content`.
  wrap(c.completions, 'create', 'completions', record, options, CHAT);
  // A RAG app's retrieval depends on the embedding model that made its vectors: the input's size and digest, the
  // vectors' count and dimensions (not the floats: see embeddings.ts), no output text nor finish reason.
  wrap(c.embeddings, 'create', 'embeddings', record, options, EMBEDDINGS);
  // A safety classifier's call: what it was given, and what it flagged (not its scores).
  wrap(c.moderations, 'create', 'moderations', record, options, MODERATIONS);
  // A classifier's or scorer's answers to an app's questions about an input: decisions.ts.
  wrap(c.decisions, 'create', 'decisions', record, options, DECISIONS);
  // Speech to text: the audio's size (its bytes are not read), the text out.
  wrap(c.audio?.transcriptions, 'create', 'audio.transcriptions', record, options, AUDIO);
  wrap(c.audio?.translations, 'create', 'audio.translations', record, options, AUDIO);
  // Text to speech: the text in; of the audio out (a binary Response, the app's to read), its size when the answer's
  // Content-Length says it, nothing else.
  wrap(c.audio?.speech, 'create', 'audio.speech', record, options, SPEECH);
  // Synthetic images, traceable to the call that made them (EU AI Act Art. 50): the prompt, the uploads' size (their
  // bytes are not read), how many images came out and, with a digest key, the digest of their bytes (or URLs).
  for (const method of ['generate', 'edit', 'createVariation'] as const) wrap(c.images, method, `images.${method}`, record, options, IMAGES);
  // `beta.responses` is the same API under `?beta=true` (its newest tools first): a model call all the same.
  for (const [resource, operation] of [[c.responses, 'responses'], [c.beta?.responses, 'beta.responses']] as const) {
    wrap(resource, 'create', operation, record, options, RESPONSES, final);
    // A compaction runs the model over the conversation (tokens billed), and its output is what the next turn is given.
    wrap(resource, 'compact', `${operation}.compact`, record, options, RESPONSES);
    wrapFinal(resource, operation, 'retrieve', record, options, final);
    wrapFinal(resource, operation, 'cancel', record, options, final);
  }
  return client;
}

/** `wrapOpenAI`'s options: those of every integration, and the provider the client's calls go to. */
export interface WrapOpenAIOptions extends AiOptions {
  /**
   * The provider the client's calls go to, for a client given another OpenAI-compatible API (`baseURL`): such as
   * `"deepseek"`, `"groq"`, `"openrouter"`. Default `"azure"` for an `AzureOpenAI` client, else `"openai"`.
   */
  provider?: string;
}

/** OpenAI's own API: the calls sent there need no `base_url`. */
const OPENAI_API = 'https://api.openai.com/v1';

/**
 * Where the client sends its calls, unless that is OpenAI's own API: Azure OpenAI, a data-residency host, another
 * provider's OpenAI-compatible API, a gateway, a server of the app's own. Its origin and path only: a query or
 * credentials in the URL are not evidence, and may be secrets.
 */
function baseUrlOf(client: object): string | undefined {
  const given = (client as { baseURL?: unknown }).baseURL;
  if (typeof given !== 'string') return undefined;
  try {
    const url = new URL(given);
    const base = url.origin + url.pathname.replace(/\/+$/, '');
    return base === OPENAI_API ? undefined : base;
  } catch {
    return undefined;
  }
}

/** What a finished answer (or the stream's items so far) says, as AiCall fields. */
type Summary = Partial<AiCall> & { toolCalls: string[] };
/** How a whole answer and a stream's items are read, per API. */
type Reads = { answer: FromAnswer<Summary>; item: FromItem<Summary> };

function wrap(resource: Partial<Record<Method, Create>> | undefined, method: Method, operation: string, record: Recorder, options: AiOptions, reads: Reads, final?: Set<string>): void {
  const create = resource?.[method];
  if (typeof create !== 'function' || create[WRAPPED]) return;
  const wrapped: Create = function (this: unknown, params, requestOptions) {
    const done = track(options);
    const elapsed = stopwatch();
    const seen: Summary = { toolCalls: [] };
    // What the model is given, as sent: apps append the answer and the next turn to the same array, often before
    // the event's digest is computed (a stream's end, a task later). A shallow copy: messages are added, not edited.
    const messages = copy(params?.messages);
    // `?.` throughout: params the SDK itself refuses (undefined) must reach it, and fail there, as unwrapped; and
    // that failed call is recorded (docs/ai.md: one event per model call, whatever happens to it), as wrapAnthropic's.
    const streamed = params?.stream === true;
    const images = operation.startsWith('images');
    // The legacy completions' and the image API's prompt; the input of the others.
    const given = copy(operation === 'completions' || images ? params?.prompt : params?.input);
    // A decision's questions are what the model is asked of its input: their texts count and are digested.
    const questions = operation === 'decisions' ? copy(params?.questions) : undefined;
    // Uploads, by their size when they say it without being read (a File, a Blob): an audio file, and the format
    // asked (the text's form); the images to edit or vary, and the mask.
    const heard = operation === 'audio.transcriptions' || operation === 'audio.translations';
    const uploaded = heard
      ? { input_bytes: bytesOf([params?.file]), response_format: params?.response_format }
      : images
        ? { input_bytes: bytesOf([params?.image, params?.mask].flat()) }
        : undefined;
    /** When the response came in: a non-streamed call's latency, since the app may await its answer much later. */
    let responded: number | undefined;
    const end = once((fill: Partial<AiCall>) => {
      // A background response streamed to its end by its create: recorded final here, not again by a retrieve.
      if (final && seen.extra?.background && seen.responseId && settled(fill.finishReason ?? seen.finishReason)) keep(final, seen.responseId);
      record(() => {
        // Chat's messages; the Responses API's instructions and input; the prompt or the input as sent (completions,
        // embeddings, moderations, images, speech); an audio file or an image uploaded, none: their bytes are not digested.
        const input = operation === 'chat.completions' ? messages : operation.includes('responses') ? { instructions: params?.instructions, input: given } : operation === 'decisions' ? { input: given, questions } : given;
        return {
          integration: 'openai',
          operation,
          streamed,
          // No model asked (moderations: the API picks its default): the one that answered. No params: as given.
          modelId: String(params?.model ?? (params ? seen.responseModelId || UNREPORTED : undefined)),
          outcome: 'ok',
          latencyMs: (streamed ? undefined : responded) ?? elapsed(),
          input,
          // An audio file, an image to vary: no text in.
          inputChars: heard || (images && given === undefined) ? undefined : textChars(messages ?? given) + textChars(params?.instructions) + textChars(Array.isArray(questions) ? questions.flatMap(asked) : undefined),
          request: params,
          ...seen,
          ...fill,
          ...(uploaded && { extra: { ...uploaded, ...seen.extra, ...fill.extra } }),
        };
      }, done);
    });
    const failed = (error: unknown) => end({ outcome: outcomeOf(error, 'error', requestOptions?.signal), error });
    const first = () => (seen.timeToFirstTokenMs ??= elapsed());
    return callWatched(() => create.call(this, params, requestOptions), streamed, seen, reads, end, failed, first, () => (responded ??= elapsed()));
  };
  wrapped[WRAPPED] = true;
  resource![method] = wrapped;
}

/** Background responses whose final state a client's wrapper recorded, at most this many (the oldest let go). */
const FINAL_KEPT = 1000;

/**
 * Whether a Responses finish reason is a response's final state: responseSummary sets one from a final status
 * (completed, failed, incomplete, cancelled) and gives queued and in_progress as they are; an interrupted
 * stream's (`interrupted`) is not final either. Undefined: no response seen.
 */
const settled = (reason: string | undefined): boolean => reason !== undefined && !/^(queued|in_progress|interrupted)$/.test(reason);

function keep(final: Set<string>, responseId: string): void {
  final.add(responseId);
  if (final.size > FINAL_KEPT) final.delete(final.values().next().value!);
}

/**
 * `responses.retrieve` and `responses.cancel`: a background response (`background: true`) is answered queued by
 * `responses.create`, whose event says so; its answer comes later, through the app's retrieves (polls, or its
 * events resumed with `stream: true`: the SDK's `responses.stream({ response_id })` calls this same
 * `client.responses.retrieve`, in openai 6 and 7), or it is cancelled. The first of these calls that finds it final
 * (completed, failed, incomplete, cancelled) is recorded, as `operation: "responses.retrieve"` (or
 * `"responses.cancel"`) with the creating call's `response_id`, once per response and wrapped client: not the
 * polls that find it still queued or in progress, nor a retrieve that failed, nor a stream left before its
 * end, nor responses that were not made in the background (their `responses.create` recorded their answer).
 */
function wrapFinal(resource: Responses | undefined, prefix: string, method: 'retrieve' | 'cancel', record: Recorder, options: AiOptions, final: Set<string>): void {
  const call = resource?.[method];
  if (typeof call !== 'function' || call[WRAPPED]) return;
  const wrapped: ById = function (this: unknown, id, ...rest) {
    const done = track(options);
    const elapsed = stopwatch();
    // retrieve's query (`stream`, `starting_after`, `include`); cancel has none.
    const query = method === 'retrieve' ? rest[0] : undefined;
    const streamed = query?.stream === true;
    const seen: Summary = { toolCalls: [] };
    let responded: number | undefined;
    const end = once(() => {
      const responseId = seen.responseId;
      if (!settled(seen.finishReason) || !seen.extra?.background || !responseId || final.has(responseId)) return done?.();
      keep(final, responseId);
      record(
        () => ({
          integration: 'openai',
          operation: `${prefix}.${method}`,
          streamed,
          // The call asked for a response, not a model: the model that answered it stands for both.
          modelId: seen.responseModelId || UNREPORTED,
          outcome: 'ok',
          latencyMs: (streamed ? undefined : responded) ?? elapsed(),
          request: query,
          ...seen,
        }),
        done,
      );
    });
    // Whatever the call's end (answered, failed, read raw or never), `end` judges by what was seen.
    return callWatched(() => call.call(this, id, ...rest), streamed, seen, RESPONSES, end, end, () => undefined, () => (responded ??= elapsed()));
  };
  wrapped[WRAPPED] = true;
  resource![method] = wrapped;
}

const CHAT: Reads = { answer: chatSummary, item: chatItem };
const RESPONSES: Reads = { answer: responseSummary, item: responseItem };
// Embeddings and moderations are never streamed: no item to read.
const EMBEDDINGS: Reads = { answer: embeddingsSummary, item: () => undefined };
const MODERATIONS: Reads = { answer: moderationSummary, item: () => undefined };
/** A decision question's text the model reads: its instructions, and its choices' or levels' descriptions. */
const asked = (q: any): unknown[] => [q?.instructions, ...[...(Array.isArray(q?.choices) ? q.choices : []), ...(Array.isArray(q?.levels) ? q.levels : [])].map((c) => c?.description)];
const DECISIONS: Reads = { answer: (answer, into) => (meta(answer, into), (into.extra = { ...into.extra, ...decisionSummary(answer?.answers) })), item: () => undefined };
const AUDIO: Reads = { answer: transcriptionSummary, item: transcriptionItem };
const IMAGES: Reads = { answer: imagesSummary, item: imagesItem };
// Speech answers a Response the SDK does not parse (its `stream_format: 'sse'` too): no stream to watch.
const SPEECH: Reads = { answer: speechSummary, item: () => undefined };

/** `model_context.model_type` by operation, unless the options pin one; any other is an `llm`'s. */
const MODEL_TYPES: Record<string, string> = {
  embeddings: 'embedding',
  moderations: 'moderation',
  decisions: 'classifier',
  'audio.transcriptions': 'speech-to-text',
  'audio.translations': 'speech-to-text',
  'audio.speech': 'text-to-speech',
  'images.generate': 'image-generation',
  'images.edit': 'image-generation',
  'images.createVariation': 'image-generation',
};

/**
 * A moderations answer: its id and model, how many results (one per input) there are and how many are flagged,
 * and the names of the categories flagged in any of them (not the scores: the answer keeps those).
 */
function moderationSummary(answer: any, into: Summary): void {
  meta(answer, into);
  const results: any[] = Array.isArray(answer?.results) ? answer.results : [];
  const categories = new Set<string>();
  for (const result of results) for (const name in result?.categories) if (result.categories[name] === true) categories.add(name);
  into.extra = { ...into.extra, moderation_results: results.length, flagged: results.filter((r) => r?.flagged === true).length, flagged_categories: categories.size ? [...categories] : undefined };
}

/** A transcription or translation: its text (JSON's and verbose JSON's `text`; the string as answered for `text`, `srt`, `vtt`) and its token usage. */
function transcriptionSummary(answer: any, into: Summary): void {
  meta(answer, into);
  append(into, typeof answer === 'string' ? answer : answer?.text);
}

/** A streamed transcription's events: the text's deltas, then `transcript.text.done` with the whole text and the usage. */
function transcriptionItem(event: any, into: Summary, first: () => void): void {
  if (event?.type === 'transcript.text.delta') {
    first();
    append(into, event.delta);
  } else if (event?.type === 'transcript.text.done') {
    into.output = undefined;
    transcriptionSummary(event, into);
    // Its end: without it, the stream was cut short (`interrupted`), as a chat stream without its finish chunk.
    into.finishReason = 'stop';
  }
}

/**
 * Text to speech: the SDK hands the app the HTTP Response, whose audio it reads itself (or streams on): never read
 * here, so the event has of the output only `output_bytes`, from Content-Length when the answer has one (a chunked
 * answer has none). The answer names no model.
 */
function speechSummary(response: any, into: Summary): void {
  const length = response?.headers?.get?.('content-length');
  if (/^\d+$/.test(length)) into.extra = { ...into.extra, output_bytes: +length };
}

/**
 * Bytes of uploads (a File, a Blob, or a list of them) when each says its size without being read; undefined when
 * one does not (a stream: its bytes would have to be read) or nothing was uploaded.
 */
function bytesOf(uploads: unknown[]): number | undefined {
  let n: number | undefined;
  for (const upload of uploads) {
    if (upload === undefined) continue;
    const size = (upload as { size?: unknown } | null)?.size;
    if (typeof size !== 'number') return undefined;
    n = (n ?? 0) + size;
  }
  return n;
}

/**
 * An images answer: how many images, and the list `image_digest` covers (base64 images as their bytes, else
 * their URLs), and the token usage GPT Image models report. The answer names no model (`model_version` stays
 * `unreported` unless pinned).
 */
function imagesSummary(answer: any, into: Summary): void {
  meta(answer, into);
  if (Array.isArray(answer?.data)) addImages(into, answer.data.map(imageOf));
}

/** One image of an answer (or a stream's completed event): its base64, decoded for the digest, or its URL. */
const imageOf = (image: any): unknown => (typeof image?.b64_json === 'string' ? new Base64Image(image.b64_json) : image?.url);

/**
 * A streamed image generation or edit (GPT Image, `stream: true`): partial images, then `image_generation.completed`
 * (`image_edit.completed`) with the final image and the usage. The final image is the output (each completed
 * event's, in order); partial ones are previews, not digested. Without a completed event, the stream was cut short
 * (`interrupted`).
 */
function imagesItem(event: any, into: Summary, first: () => void): void {
  const type = event?.type;
  if (/^image_(generation|edit)\.(partial_image|completed)$/.test(type)) first();
  if (type === 'image_generation.completed' || type === 'image_edit.completed') {
    meta(event, into);
    addImages(into, [imageOf(event)]);
    into.finishReason = 'stop';
  }
}

function chatSummary(completion: any, into: Summary): void {
  const choice = completion?.choices?.[0];
  // A refusal is the text the model generated instead of content: output, as content is.
  append(into, choice?.message?.content);
  append(into, choice?.message?.refusal);
  append(into, choice?.text); // a legacy completion's
  for (const c of completion?.choices ?? []) for (const t of c?.message?.tool_calls ?? []) tool(into, t?.function?.name ?? t?.custom?.name);
  meta(completion, into);
  if (choice?.finish_reason) into.finishReason = finishOf(choice.finish_reason);
}

function chatItem(chunk: any, into: Summary, first: () => void): void {
  meta(chunk, into);
  for (const c of chunk?.choices ?? []) {
    const delta = c?.delta;
    if (delta?.content || delta?.refusal || delta?.tool_calls?.length || c.text) first();
    if (c.index === 0) append(into, delta?.content), append(into, delta?.refusal), append(into, c.text);
    for (const t of delta?.tool_calls ?? []) if (t?.function?.name) into.toolCalls.push(t.function.name);
    // The first choice's, as its text is (and as chatSummary reads a whole completion): with n > 1, another
    // choice finishing later must not hide that the recorded one was cut at its length.
    if (c.index === 0 && c.finish_reason) into.finishReason = finishOf(c.finish_reason);
  }
}

/**
 * An embeddings answer: its model and `usage.prompt_tokens` (its `total_tokens` is the same count: an embedding
 * model generates no tokens), and its vectors' count and dimensions. The SDK hands over the vectors as numbers, or
 * as base64 strings when the app asked for `encoding_format: 'base64'` itself.
 */
function embeddingsSummary(answer: any, into: Summary): void {
  meta(answer, into);
  into.extra = { ...into.extra, ...vectorsSummary(Array.isArray(answer?.data) ? answer.data.map((item: any) => item?.embedding) : undefined) };
}

/**
 * A whole response (or a stream's terminal event): the text of its messages (refusals included) is the output, its
 * function and custom tool calls the tool calls (hosted tools, such as web search or image generation, name none:
 * left out), and the image generation tool's images the images, as images.generate's are (`image_digest`, in output order).
 */
function responseSummary(response: any, into: Summary): void {
  meta(response, into);
  into.output = into.images = undefined;
  into.extra = { ...into.extra, image_count: undefined };
  for (const item of response?.output ?? []) {
    if (item?.type === 'message') {
      // A refusal part is output, as output text is.
      for (const part of item.content ?? []) append(into, part?.type === 'output_text' ? part.text : part?.type === 'refusal' ? part.refusal : undefined);
    } else if (item?.type === 'function_call' || item?.type === 'custom_tool_call') tool(into, item.name);
    else image(into, item);
  }
  const status = response?.status;
  const reason = response?.incomplete_details?.reason;
  into.finishReason = status === 'completed' ? (into.toolCalls.length ? 'tool-calls' : 'stop') : status === 'failed' ? 'error' : status === 'incomplete' ? (finishOf(reason) ?? 'other') : status;
  // A background response cancelled (`responses.cancel`): the caller stopped it, as an abort does a call.
  if (status === 'cancelled') into.outcome = 'aborted';
  if (status === 'failed') Object.assign(into, { outcome: 'error', error: Object.assign(new Error(response.error?.message ?? 'response failed'), { code: response.error?.code }) });
}

/**
 * A stream's events: its text as it comes, each image as its item is done (partial images are previews, not the
 * answer's: a first token, not an image), then the terminal event's whole response, which replaces what they added.
 */
function responseItem(event: any, into: Summary, first: () => void): void {
  const type = event?.type;
  if (/^response\.((output_text|refusal|function_call_arguments|reasoning_summary_text)\.delta|image_generation_call\.partial_image)$/.test(type)) first();
  if (type === 'response.created') meta(event.response, into);
  else if (type === 'response.output_text.delta' || type === 'response.refusal.delta') append(into, event.delta);
  else if (type === 'response.output_item.done') image(into, event.item);
  else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
    into.toolCalls.length = 0;
    responseSummary(event.response, into);
  } else if (type === 'error') Object.assign(into, { outcome: 'error', error: Object.assign(new Error(event.message), { code: event.code ?? undefined }) });
}

/**
 * A tool the model called, by name. A call of a kind without one (a type newer than this wrapper) is left out: a
 * name missing from the list would make the client refuse the whole event.
 */
function tool(into: Summary, name: unknown): void {
  if (typeof name === 'string') into.toolCalls.push(name);
}

/**
 * An image generation tool's item: its image (`result`, base64, decoded only for the digest, after the call) after
 * the others; none when its generation failed (no result). `image_count` is absent for an answer without images.
 */
function image(into: Summary, item: any): void {
  if (item?.type !== 'image_generation_call' || typeof item.result !== 'string') return;
  addImages(into, [new Base64Image(item.result)]);
}

/**
 * Id, model and token counts, as chat completions (`prompt_tokens`) and responses (`input_tokens`) spell them; a
 * Groq stream's in its last chunk's `x_groq.usage`, where it sends no usage chunk.
 */
function meta(answer: any, into: Summary): void {
  if (answer?.id) into.responseId = answer.id;
  if (answer?.model) into.responseModelId = answer.model;
  if (answer?.system_fingerprint) into.extra = { system_fingerprint: answer.system_fingerprint };
  // A background response: its create answered it queued, its final state comes through retrieve (wrapFinal).
  if (answer?.background === true) into.extra = { ...into.extra, background: true };
  const usage = answer?.usage ?? answer?.x_groq?.usage;
  if (usage) {
    into.inputTokens = usage.prompt_tokens ?? usage.input_tokens;
    into.outputTokens = usage.completion_tokens ?? usage.output_tokens;
  }
}
