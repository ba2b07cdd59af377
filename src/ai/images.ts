/**
 * Image generation calls are model calls too, and their images are synthetic content that must stay traceable to
 * the call that made them (EU AI Act Art. 50). Shared by wrapOpenAI (`images.generate`, `.edit`,
 * `.createVariation`) and the AI SDK's image middleware (`wrapImageModel`), which is an export of its own, as the
 * embedding middleware is (embeddings.ts), so that the language-model middleware's browser bundle stays within its
 * 2,000 B. Both make the same event of the same images: their digests agree. The images themselves are not kept:
 * their count, and with a digest key `image_digest`, the digest of the list of them in answer order, each as its
 * bytes (or as its URL when the answer gives one instead), so that whoever kept the files can show that the evidence
 * covers them: `aiDigest([png1, png2], key)`. (`output_digest` stays the text's: an image call has none. wrapGoogleGenAI
 * records the images of a Gemini answer beside its text the same way, and wrapOpenAI those of the Responses API's
 * image generation tool.)
 */
import type { RecordOptions } from '../client/event.js';
import type { ModelLike } from './ai-sdk.js';
import { modelTyped } from './embeddings.js';
import { outcomeOf } from './finish.js';
import type { AiCall, AiOptions } from './options.js';
import { check, kept, recorder, stopwatch, track } from './record.js';

/**
 * An image the answer carried as base64: its bytes, decoded only when the digest (or `capture: 'full'`, which
 * records their size) reads them, through `toJSON`, which the digest's canonical JSON honours, after the call:
 * decoding a 1.5 MB image takes some 7 ms (its digest about 35 ms more), which the call's path must not pay, nor
 * a call recorded without a digest. Its digest is the same as the decoded bytes' (a `Uint8Array`'s).
 */
export class Base64Image {
  constructor(readonly base64: string) {}

  /** The bytes; text that is no base64 (never from the APIs this reads) as it is, rather than no event. */
  toJSON(): Uint8Array | string {
    try {
      const text = atob(this.base64);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return bytes;
    } catch {
      return this.base64;
    }
  }
}

/**
 * Adds images to a call being summarised, after those it has (answer order: a stream's chunk after chunk), each
 * bytes, a `Base64Image` or a URL, and their count to its payload, beside what the payload already holds.
 */
export function addImages(into: Partial<AiCall>, images: readonly unknown[]): void {
  into.images = [...(into.images ?? []), ...images];
  into.extra = { ...into.extra, image_count: into.images.length };
}

/** An image handed to an image model to edit (v3 and v4 alike): its bytes or base64 (`type: 'file'`), or a URL. */
export interface ImageFileLike {
  type: string;
  data?: unknown;
}

/** What the middleware reads of an image model call's options (v3 and v4 alike). */
export interface ImageCallOptionsLike {
  prompt: string | undefined;
  files?: readonly ImageFileLike[] | undefined;
  mask?: ImageFileLike | undefined;
  abortSignal?: AbortSignal | undefined;
  providerOptions?: Record<string, unknown> | undefined;
}

/** What the middleware reads of `doGenerate`'s result: base64 strings or bytes, the usage, the response's model. */
export interface ImageResultLike {
  images: readonly (string | Uint8Array)[];
  usage?: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined;
  response?: { modelId?: string | undefined } | undefined;
}

/** An `ImageModelMiddleware` of the AI SDK (`'v4'`: ai@7; `'v3'`: ai@6). */
export interface AegisLogImageMiddleware<V extends 'v3' | 'v4' = 'v4'> {
  readonly specificationVersion: V;
  wrapGenerate<R extends ImageResultLike>(options: { doGenerate: () => PromiseLike<R>; params: ImageCallOptionsLike; model: ModelLike }): Promise<R>;
  transformParams<P extends ImageCallOptionsLike>(options: { params: P }): Promise<P>;
}

/**
 * The AI SDK's image-model middleware: `wrapImageModel({ model, middleware: aegislogImageMiddleware({ log }) })`
 * records one event per call to the model's `doGenerate` (`generateImage` makes one per `maxImagesPerCall` images):
 * `operation: "generateImage"`, the prompt's size and digest, the images handed to edit by their size (bytes or
 * base64 given; a URL's is not fetched), `image_count`, and `image_digest`, the digest of the images' bytes (base64
 * decoded, after the call), the same as wrapOpenAI's for the same images. The result is the model's own, returned as it came.
 * Options are checked as it is made (ERR_CONFIG naming the field). A model wrapped twice with it and the same log
 * records each call once, from the outer wrap, by the same means as the embedding middleware.
 */
export function aegislogImageMiddleware<V extends 'v3' | 'v4' = 'v4'>(options: AiOptions & { specificationVersion?: V }): AegisLogImageMiddleware<V> {
  check(options);
  const record = recorder(modelTyped(options, () => 'image-generation'));
  return {
    specificationVersion: (options.specificationVersion ?? 'v4') as V,
    // The AI SDK runs it for every call: params of the call's own, unless a wrap above with this log marked them.
    transformParams: async ({ params }) => (kept.get(params) === options.log ? params : { ...params }),
    async wrapGenerate({ doGenerate, params, model }) {
      // Marked params are a wrap's above with the same log, which records the call: this one only passes it on.
      if (kept.has(params)) return doGenerate();
      kept.set(params, options.log);
      const done = track(options);
      const elapsed = stopwatch();
      const end = (fill: () => Partial<AiCall>) =>
        record(() => {
          const filled = fill();
          return {
            integration: 'ai-sdk',
            operation: 'generateImage',
            streamed: false,
            provider: model.provider,
            modelId: model.modelId,
            outcome: 'ok',
            latencyMs: elapsed(),
            input: params.prompt,
            inputChars: params.prompt?.length,
            request: params,
            carried: params.providerOptions?.aegislog as RecordOptions | undefined,
            ...filled,
            extra: { input_bytes: filesBytes([...(params.files ?? []), params.mask]), ...filled.extra },
          };
        }, done);
      let result;
      try {
        result = await doGenerate();
      } catch (error) {
        end(() => ({ outcome: outcomeOf(error, 'error', params.abortSignal), error }));
        throw error;
      }
      // Read inside the recorder's guard: a result of a shape not foreseen goes to onError, never to the app.
      end(() => {
        const fill: Partial<AiCall> = {
          inputTokens: result.usage?.inputTokens,
          outputTokens: result.usage?.outputTokens,
          responseModelId: typeof result.response?.modelId === 'string' ? result.response.modelId : undefined,
        };
        // The specification's images are base64 strings or bytes.
        addImages(fill, result.images.map((image) => (typeof image === 'string' ? new Base64Image(image) : image)));
        return fill;
      });
      return result;
    },
  };
}

/**
 * Bytes of the images handed to edit (and the mask), when each says it unread: bytes, or base64 (3 bytes for 4
 * characters, the padding left out); undefined when one is a URL (not fetched for this) or none was given.
 */
function filesBytes(files: readonly (ImageFileLike | undefined)[]): number | undefined {
  let n: number | undefined;
  for (const file of files) {
    if (!file) continue;
    const data = file.data;
    if (ArrayBuffer.isView(data)) n = (n ?? 0) + data.byteLength;
    else if (typeof data === 'string') n = (n ?? 0) + Math.floor((data.replace(/=+$/, '').length * 3) / 4);
    else return undefined;
  }
  return n;
}
