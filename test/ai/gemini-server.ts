/**
 * A small Gemini API on 127.0.0.1 for the tests: POST /{version}/models/{model}:generateContent (a whole answer as
 * JSON), :streamGenerateContent?alt=sse (the answer's chunks as server-sent events, `data:` lines of JSON, as the
 * API streams them and as the Google Gen AI SDK reads them) and :batchEmbedContents (what the SDK's
 * `embedContent` asks the Gemini API), and API errors in the API's own body (`{ error: { code, message, status } }`,
 * 429 RESOURCE_EXHAUSTED, 400 INVALID_ARGUMENT). `{version}` is whatever the SDK sends: `v1beta` (2.x) or `v1` (3.x). It
 * stands in for the model provider, which cannot run here. Each request takes the next scripted answer, or the
 * default one (a short answer about the last user turn's text, streamed when the request asks for a stream; for
 * IMAGE_MODEL, an image model's answer: text and two inline PNG images, as gemini-2.5-flash-image answers).
 */
import { startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

export type { Received } from './scripted-server.js';

/** A JSON answer, server-sent events (each a chunk of the answer), or a stall: see Answer. */
export type Script = Answer<unknown>;

export interface GeminiServer extends Omit<ScriptedServer<Script>, 'origin'> {
  /** Base URL for the SDK (`httpOptions.baseUrl`): it adds `/{version}/models/…`. */
  url: string;
}

export const MODEL = 'gemini-test';
/** The `modelVersion` the API answers with. */
export const MODEL_VERSION = 'gemini-test-001';
export const EMBEDDING_MODEL = 'embed-test';
export const USAGE = { promptTokenCount: 12, candidatesTokenCount: 7, totalTokenCount: 19 };
/** An image model (as `gemini-2.5-flash-image`): it answers text and images, each image an `inlineData` part. */
export const IMAGE_MODEL = 'gemini-test-image';
/** The text of the image model's default answer. */
export const IMAGE_TEXT = 'Here is your parcel, in watercolour.';

/** PNG-like bytes of the image model's `index`-th image: the PNG signature, then 300 bytes of its own. */
export const imagePng = (index: number): Uint8Array =>
  new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 300 }, (_, i) => (i * 13 + index * 101 + (i >> 3)) & 0xff)]);

/** An inline part as the API answers it: `{ inlineData: { mimeType, data } }`, the data base64 (standard, padded). */
export const inlinePart = (bytes: Uint8Array, mimeType = 'image/png', extra: Record<string, unknown> = {}) => ({ inlineData: { mimeType, data: Buffer.from(bytes).toString('base64') }, ...extra });

/** The image model's whole answer: its text, then its two images (parts after the text, as the API orders them). */
export const imageAnswer = (extra: Extra = {}) => answer1(IMAGE_TEXT, { ...extra, parts: [inlinePart(imagePng(0)), inlinePart(imagePng(1)), ...(extra.parts ?? [])] });

/** The image model's stream: text and images in chunks of their own, interleaved (text, image 0, text, image 1). */
export const imageChunks = () => chunks([], { parts: [{ text: 'Here is your parcel, ' }, inlinePart(imagePng(0)), { text: 'in watercolour.' }, inlinePart(imagePng(1))] });

export async function startGeminiServer(): Promise<GeminiServer> {
  const scripted = await startScriptedServer<unknown, Script>({
    requestIdHeader: 'x-request-id',
    answer: ({ path, body }, _url, next) => next() ?? defaultAnswer(path, body),
    frame: (data) => `data: ${JSON.stringify(data)}\r\n\r\n`,
  });
  return { ...scripted, url: scripted.origin };
}

function defaultAnswer(path: string, body: any): Script {
  if (path.endsWith(':batchEmbedContents')) return { json: embeddings((body.requests ?? []).length, 4) };
  const answer = `You asked ${lastUserText(body).length} characters.`;
  const image = path.includes(`/models/${IMAGE_MODEL}:`);
  if (image && path.endsWith(':streamGenerateContent')) return { sse: imageChunks() };
  if (image && path.endsWith(':generateContent')) return { json: imageAnswer() };
  if (path.endsWith(':streamGenerateContent')) return { sse: chunks(answer.split(/(?<= )/)) };
  if (path.endsWith(':generateContent')) return { json: answer1(answer) };
  return { status: 404, json: apiError(404, `Not found: ${path}`, 'NOT_FOUND') };
}

/** The last user turn's text, as the SDK sends contents (always a list of Contents with parts). */
function lastUserText(body: any): string {
  const last = [...(body.contents ?? [])].reverse().find((c: any) => c.role === 'user');
  return (last?.parts ?? []).map((p: any) => p.text ?? '').join('');
}

/** The API's error body: what the SDK makes its ApiError's message of (the JSON as text) beside its `status`. */
export function apiError(code: number, message: string, status: string) {
  return { error: { code, message, status } };
}

/** `parts`: parts of any kind (inline images, audio) after the text, each in a chunk of its own when streamed. */
type Extra = { finish?: string | null; calls?: string[]; thought?: string; id?: string; usage?: Record<string, unknown>; parts?: unknown[] };

/** A whole answer, as :generateContent gives it: one candidate with text (and thought, other, and function call) parts. */
export function answer1(text: string, extra: Extra = {}) {
  const parts: unknown[] = [];
  if (extra.thought) parts.push({ text: extra.thought, thought: true });
  if (text) parts.push({ text });
  parts.push(...(extra.parts ?? []));
  for (const name of extra.calls ?? []) parts.push({ functionCall: { name, args: { city: 'Paris' } } });
  return {
    candidates: [{ content: { parts, role: 'model' }, ...(extra.finish !== null && { finishReason: extra.finish ?? 'STOP' }), index: 0 }],
    usageMetadata: extra.usage ?? USAGE,
    modelVersion: MODEL_VERSION,
    responseId: extra.id ?? 'resp-1',
  };
}

/** A prompt the API blocked: no candidates, its `promptFeedback.blockReason`, the prompt's tokens only. */
export function blocked(reason: string) {
  return { promptFeedback: { blockReason: reason }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 }, modelVersion: MODEL_VERSION, responseId: 'resp-blocked' };
}

/**
 * A streamed answer's chunks, as :streamGenerateContent sends them: each piece of text in a chunk of its own, each
 * carrying the model version, the response id and the usage so far; function calls in a chunk after the text; the
 * last chunk with the finish reason (none when `finish: null`: a stream cut short) and the whole usage.
 */
export function chunks(pieces: string[], extra: Extra = {}): unknown[] {
  const meta = { modelVersion: MODEL_VERSION, responseId: extra.id ?? 'resp-1' };
  const usage = extra.usage ?? USAGE;
  const chunk = (parts: unknown[]) => ({ candidates: [{ content: { parts, role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount }, ...meta });
  const out: any[] = [];
  if (extra.thought) out.push(chunk([{ text: extra.thought, thought: true }]));
  for (const text of pieces) out.push(chunk([{ text }]));
  for (const part of extra.parts ?? []) out.push(chunk([part]));
  if (extra.calls?.length) out.push(chunk(extra.calls.map((name) => ({ functionCall: { name, args: { city: 'Paris' } } }))));
  if (extra.finish !== null) {
    const last = out.pop() ?? chunk([]);
    last.candidates[0].finishReason = extra.finish ?? 'STOP';
    last.usageMetadata = usage;
    out.push(last);
  }
  return out;
}

/** A batchEmbedContents answer: `count` vectors of `dimensions` numbers. */
export function embeddings(count: number, dimensions: number) {
  return { embeddings: Array.from({ length: count }, (_, i) => ({ values: Array.from({ length: dimensions }, (_, j) => (i + 1) / (j + 2)) })) };
}
