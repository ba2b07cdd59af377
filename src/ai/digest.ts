/**
 * Keyed digests of what a model was given and what it answered: HMAC-SHA-256
 * through WebCrypto under the operator's key. The log then holds no text, yet
 * whoever holds the text and the key can show that it is what the evidence
 * covers. A plain SHA-256 would not do: a short prompt is found by guessing.
 */

/** An HMAC `CryptoKey` (SHA-256, usage `sign`), raw key bytes, or a string taken as its UTF-8 bytes. */
export type DigestKey = CryptoKey | Uint8Array | ArrayBuffer | string;

import { b64uEncode } from '../protocol/base64url.js';
import { AegisLogError, AegisLogValidationError } from '../protocol/errors.js';
import { JCS_MAX_DEPTH, pathOf, type JsonPath } from '../protocol/jcs.js';
import type { AiCall, AiEvent, AiOptions } from './options.js';
import type { Prepared } from './record.js';

const encoder = new TextEncoder();

export function importDigestKey(key: DigestKey): Promise<CryptoKey> {
  // None (an unset environment variable, empty bytes, a number): refused by name, as `check()` refuses it, rather than
  // WebCrypto's TypeError or DOMException, which names nothing.
  const k = key as unknown as { algorithm?: unknown; byteLength?: number } | string | null | undefined;
  if (!k || (typeof k !== 'string' && (typeof k !== 'object' || (!k.algorithm && !k.byteLength))))
    return Promise.reject(new AegisLogError('ERR_CONFIG', 'digestKey must be a string, bytes or an HMAC SHA-256 CryptoKey, not empty', { field: 'digestKey' }));
  if (typeof key === 'object' && 'algorithm' in key) {
    // Another key signs too (HMAC-SHA-512 does), and its MAC would be recorded as `hmac-sha256:`; one that may not
    // sign fails every digest. Refused by name, as the server-side integrations refuse it when they are made.
    const { algorithm, usages } = key as { algorithm: { name?: string; hash?: { name?: string } }; usages?: string[] };
    if (algorithm.name !== 'HMAC' || algorithm.hash?.name !== 'SHA-256' || !usages?.includes('sign'))
      return Promise.reject(new AegisLogError('ERR_CONFIG', 'digestKey must be an HMAC SHA-256 CryptoKey that may sign', { field: 'digestKey' }));
    return Promise.resolve(key);
  }
  const raw = typeof key === 'string' ? encoder.encode(key) : key;
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * `hmac-sha256:<64 hex>` of `value`: a string's UTF-8 bytes, anything else's canonical JSON after `jsonOf` (see
 * record.ts, `aiDigest`). A value nested deeper than the protocol canonicalises is refused as it refuses it.
 */
export async function aiDigest(value: unknown, key: DigestKey): Promise<string> {
  return sign(value, await importDigestKey(key));
}

/**
 * `aiDigest` under an imported key. (Not a `key instanceof Promise` switch in aiDigest: the edge runtime's
 * WebCrypto answers with promises of the host's realm, which that test does not recognise.)
 */
async function sign(value: unknown, key: CryptoKey): Promise<string> {
  const data = encoder.encode(typeof value === 'string' ? value : canonical(jsonOf(value, true)));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
  let hex = 'hmac-sha256:';
  for (const b of mac) hex += (b + 256).toString(16).slice(1);
  return hex;
}

/**
 * `value` as plain JSON data: bytes as base64url (for a digest, so that it
 * covers a file's content) or as `"[n bytes]"` (for the record, which must stay
 * small), `toJSON` honoured (URLs and dates become their text), `null` kept, `undefined` dropped (`null` in
 * arrays), a cycle as `"[Circular]"`, text made well-formed. Throws only `ERR_TOO_DEEP`: an object or array
 * nested deeper than `JCS_MAX_DEPTH`, named by its path (`up` and `key` say where the value sits), as the
 * protocol's canonicalize refuses it, rather than a stack overflow at a depth that differs between runtimes.
 */
export function jsonOf(value: unknown, forDigest: boolean, seen = new Set<object>(), up?: JsonPath, key?: string | number): unknown {
  // JCS refuses lone surrogates (PROTOCOL.md §1): they become U+FFFD (every runtime this package supports has toWellFormed).
  if (typeof value === 'string') return wellFormed(value);
  // For the record, an integer beyond ±(2^53−1) as its text too: the client refuses it (PROTOCOL.md §1), and with it the
  // whole event. The digest keeps the number, as canonical JSON writes it.
  if (typeof value === 'number') return Number.isFinite(value) && (forDigest || Number.isSafeInteger(value) || !Number.isInteger(value)) ? value : String(value);
  if (typeof value === 'bigint') return String(value);
  // null is JSON's own (OpenAI's `refusal: null`): kept, as JCS keeps it. Functions, symbols and undefined: dropped.
  if (value === null || typeof value !== 'object') return typeof value === 'boolean' || value === null ? value : undefined;
  if (seen.has(value)) return '[Circular]';
  // Tags, not instanceof: values may come from another realm (an iframe, the edge runtime's VM). A URL has toJSON.
  const bytes = ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : Object.prototype.toString.call(value) === '[object ArrayBuffer]' ? new Uint8Array(value as ArrayBuffer) : undefined;
  // The protocol's encoder: the platform's own where it has one (Node's Buffer, `toBase64`). A generated image is
  // megabytes: spreading them into String.fromCharCode, as this did, took 0.3 s for 1.5 MB, the event loop held.
  if (bytes) return forDigest ? b64uEncode(bytes) : `[${bytes.length} bytes]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): unknown }).toJSON();
    // A toJSON that returns its own object (as some classes' do) would recurse for ever: its fields are written, as JSON.stringify does.
    if (json !== value) return jsonOf(json, forDigest, seen, up, key);
  }
  const at = key === undefined ? up : { up, key };
  // `seen` holds the objects and arrays around this one: its depth is their number plus one, as canonicalize counts.
  if (seen.size >= JCS_MAX_DEPTH) {
    const path = pathOf(at);
    throw new AegisLogValidationError('ERR_TOO_DEEP', `${path} nests deeper than ${JCS_MAX_DEPTH} levels`, path);
  }
  seen.add(value);
  let out: unknown;
  // Array.from, not map(): a hole is visited (as undefined), so that it becomes null, as JSON writes it.
  if (Array.isArray(value)) out = Array.from(value, (v, i) => jsonOf(v, forDigest, seen, at, i) ?? null);
  else {
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const j = jsonOf(v, forDigest, seen, at, k);
      // defineProperty: a key named "__proto__" stays data.
      if (j !== undefined) Object.defineProperty(record, wellFormed(k), { value: j, enumerable: true, writable: true, configurable: true });
    }
    out = record;
  }
  seen.delete(value);
  return out;
}

const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

/**
 * RFC 8785 canonical JSON of what `jsonOf` returns (plain objects and arrays,
 * well-formed strings, finite numbers): keys sorted by UTF-16 code units, and
 * JSON.stringify's strings and numbers, which are JCS's. Not the protocol's
 * `canonicalize`, whose checks and error paths a browser bundle would carry
 * for nothing here; test/ai checks that the two agree.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical)}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)}}`;
}

/** Characters of JSON that `capture: 'full'` records of the input and output together; beyond, neither, and `content_omitted: 'too_large'`. */
export const FULL_CAPTURE_CHARS = 262_144;

/** Imported keys, by what the options gave (a string, bytes or a CryptoKey): one import per key. */
const keys = new Map<DigestKey, Promise<CryptoKey>>();

/**
 * What an event's payload gets from this chunk: the digests of the call's input and output (and the key's id),
 * and the content with `capture: 'full'`. Never rejects: the recorder holds this promise unhandled while the
 * event before is prepared, and a rejection there (an input nested too deep to digest) would be an unhandled
 * one, which ends a Node process. A failure is thrown instead where the event is built (its fields read), and
 * goes to `onError` with the other failures to record (one check fewer in the recorder's 2 KB).
 */
export async function prepare(call: AiCall, options: AiOptions): Promise<Prepared> {
  number(call, options);
  try {
    return await digests(call, options);
  } catch (error) {
    return {
      get error(): never {
        throw error;
      },
    };
  }
}

/** Per integration (its options), the calls so far that carried each object of record options with an event_id. */
const numbered = new WeakMap<object, WeakMap<object, number>>();

/**
 * An event_id the call carries (`providerOptions.aegislog`, LangChain's `metadata.aegislog`) is its request's, which
 * may make more calls: a tool loop's steps, the SDK's retries, an agent's model runs. The first call keeps it, the
 * n-th records `<id>.<n>`, rather than the same id with other content, which the server refuses as a conflict.
 * Called in the order the calls ended (the recorder's), before any wait.
 */
function number(call: AiCall, options: AiOptions): void {
  const carried = call.carried;
  if (!carried?.event_id) return;
  let counts = numbered.get(options);
  if (!counts) numbered.set(options, (counts = new WeakMap()));
  const n = (counts.get(carried) ?? 0) + 1;
  counts.set(carried, n);
  if (n > 1) call.carried = { ...carried, event_id: `${carried.event_id}.${n}` };
}

async function digests(call: AiCall, { digestKey, digestKeyId, capture }: AiOptions): Promise<Prepared> {
  // Called as the model call ends. In a task of its own, the HMACs' tens of µs run after the app's code that awaits
  // the call, not before it; but not in a hidden page, whose timers may wait a second, in which it may be closed.
  await new Promise<void>((r) => ((globalThis as { document?: { hidden?: boolean } }).document?.hidden ? r() : setTimeout(r)));
  let key = digestKey ? keys.get(digestKey) : undefined;
  if (digestKey && !key) keys.set(digestKey, (key = importDigestKey(digestKey)));
  // One meaning per field, so that each is checked alone: output_digest the text generated, image_digest the list of
  // images (an image model's, or a Gemini answer's beside its text; decoded where base64: images.ts). HMACs at once.
  const [input_digest, output_digest, image_digest] = key ? await Promise.all([call.input, call.output, call.images].map(async (v) => (v === undefined ? undefined : sign(v, await key!)))) : [];
  return { input_digest, output_digest, image_digest, digest_key_id: key && digestKeyId, ...(capture === 'full' ? contentOf(call) : undefined) };
}

/**
 * Levels of nesting `capture: 'full'` records of the input: the client refuses an event nested deeper than 32
 * levels (`LIMITS.depth`, the event itself being the first), and the input sits at the second.
 */
export const FULL_CAPTURE_DEPTH = 31;

/**
 * The input (as JSON data, bytes as `"[n bytes]"`), the output text and the images (each `"[n bytes]"` or its URL,
 * never the bytes) of `capture: 'full'`, bounded so that the event stays far below the 1 MiB limit (UTF-8 takes at
 * most 3 bytes a character) and within the client's nesting limit (a tool's deep JSON result); the digests still
 * cover everything.
 */
export function contentOf(call: AiCall): Record<string, unknown> {
  let content;
  try {
    content = { input: jsonOf(call.input, false), output: jsonOf(call.output, false), images: jsonOf(call.images, false) };
  } catch {
    // ERR_TOO_DEEP, jsonOf's only refusal: far past the client's nesting limit too.
    return { content_omitted: 'too_deep' };
  }
  if (JSON.stringify(content).length > FULL_CAPTURE_CHARS) return { content_omitted: 'too_large' };
  const counted = { values: 0 };
  const deep = depth(content.input, counted) > FULL_CAPTURE_DEPTH;
  depth(content.images, counted);
  // Short values (a tool's result of small numbers) pass the character bound long before they reach the client's.
  if (counted.values > FULL_CAPTURE_VALUES) return { content_omitted: 'too_large' };
  return deep ? { content_omitted: 'too_deep' } : content;
}

/**
 * JSON values (keys included, as the client counts them) that `capture: 'full'` records of the input and images
 * together: the client refuses a payload of more than 99,000 (`LIMITS.eventValues`), and the rest of the event's
 * payload (its own fields, an error, tool names) keeps the difference.
 */
export const FULL_CAPTURE_VALUES = 90_000;

/** Levels of objects and arrays in JSON data (0 for a scalar, 1 for `{}` or `[1]`); its values and keys counted into `counted`. */
function depth(value: unknown, counted: { values: number }): number {
  counted.values++;
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  const keyed = !Array.isArray(value);
  for (const v of Object.values(value)) {
    if (keyed) counted.values++;
    deepest = Math.max(deepest, depth(v, counted));
  }
  return deepest + 1;
}

/** `sync: true`: the event sent at once through `recordSync`, its receipt handed to `onRecorded`. */
export async function recordSync(event: AiEvent, { log, onRecorded }: AiOptions): Promise<void> {
  const receipt = await log.recordSync!(event.eventType, event.payload, event.options);
  onRecorded?.({ eventId: receipt.event_id, event, receipt });
}
