// The keyed digests behind input_digest/output_digest, in Node and in the edge runtime: HMAC-SHA-256 through
// WebCrypto, checked against @noble/hashes' HMAC, over canonical JSON checked against the protocol's JCS.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { aiDigest } from '../../src/ai/index.js';
import { canonical, contentOf, FULL_CAPTURE_CHARS, FULL_CAPTURE_DEPTH, jsonOf, prepare } from '../../src/ai/digest.js';
import { Base64Image } from '../../src/ai/images.js';
import { AegisLogError, canonicalize } from '../../src/protocol/index.js';
import { JCS_MAX_DEPTH } from '../../src/protocol/jcs.js';

const KEY = 'operator-key-0123456789abcdef';
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const expected = (text: string, key: Uint8Array = new TextEncoder().encode(KEY)) => `hmac-sha256:${hex(hmac(sha256, key, new TextEncoder().encode(text)))}`;

describe('aiDigest', () => {
  it('a string: HMAC-SHA-256 of its UTF-8 bytes', async () => {
    for (const text of ['', 'Thirty days.', 'naïve café ✓ 𝄞']) expect(await aiDigest(text, KEY)).toBe(expected(text));
  });

  it('anything else: of its canonical JSON (RFC 8785)', async () => {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'Hi' }], providerOptions: undefined }];
    expect(await aiDigest(messages, KEY)).toBe(expected('[{"content":[{"text":"Hi","type":"text"}],"role":"user"}]'));
  });

  it('a toJSON that returns its own object: the object, as JSON.stringify writes it', async () => {
    const value = { a: 1, toJSON() { return this; } };
    expect(JSON.stringify(value)).toBe('{"a":1}');
    expect(await aiDigest({ value }, KEY)).toBe(expected('{"value":{"a":1}}'));
  });

  it('a sparse array: its holes are null, as in JSON', async () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(await aiDigest({ scores: [, 1] }, KEY)).toBe(expected('{"scores":[null,1]}'));
  });

  it('the key as a string, bytes or an HMAC CryptoKey: the same digest', async () => {
    const raw = new TextEncoder().encode(KEY);
    const cryptoKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const digests = await Promise.all([aiDigest('x', KEY), aiDigest('x', raw), aiDigest('x', raw.buffer), aiDigest('x', cryptoKey)]);
    expect(new Set(digests)).toEqual(new Set([expected('x')]));
    expect(await aiDigest('x', 'another key')).not.toBe(expected('x'));
  });

  it('a key that is none (an unset environment variable, empty bytes, null, a number): ERR_CONFIG naming digestKey, not a raw TypeError', async () => {
    // An auditor's `aiDigest(text, process.env.DIGEST_KEY)`: WebCrypto's own TypeError or DOMException named nothing.
    for (const key of [undefined, null, '', new Uint8Array(0), new ArrayBuffer(0), 42, {}]) {
      const error = await aiDigest('x', key as never).catch((e: unknown) => e);
      expect(error, String(key)).toBeInstanceOf(AegisLogError);
      expect(error, String(key)).toMatchObject({ code: 'ERR_CONFIG', field: 'digestKey' });
    }
  });

  it('a value nested deeper than 256 levels: ERR_TOO_DEEP naming the path, as the protocol refuses it, whatever the stack', async () => {
    const nested = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 ? { v: value } : [value];
      return value;
    };
    // The deepest the protocol canonicalises: the same bytes digested.
    expect(await aiDigest(nested(JCS_MAX_DEPTH), KEY)).toBe(expected(canonicalize(nested(JCS_MAX_DEPTH))));
    // One level more, and far past any engine's stack (a raw RangeError before, at a depth that differs by runtime).
    for (const levels of [JCS_MAX_DEPTH + 1, 100_000]) {
      const refusal = (() => {
        try {
          canonicalize(nested(levels));
        } catch (error) {
          return error as AegisLogError;
        }
      })();
      expect(refusal).toMatchObject({ code: 'ERR_TOO_DEEP' });
      const error = await aiDigest(nested(levels), KEY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AegisLogError);
      expect(error).toMatchObject({ code: 'ERR_TOO_DEEP', field: refusal!.field, message: refusal!.message });
    }
  });

  it('bytes are covered by content: base64url in the digested JSON', async () => {
    const part = { type: 'file', data: new Uint8Array([0xfb, 0xff, 0x00]) };
    expect(await aiDigest(part, KEY)).toBe(expected('{"data":"-_8A","type":"file"}'));
    expect(await aiDigest({ ...part, data: new Uint8Array([0xfb, 0xff, 0x01]) }, KEY)).not.toBe(await aiDigest(part, KEY));
  });
});

describe('canonical JSON', () => {
  const samples: unknown[] = [
    { b: 1, a: [true, null, 'x'], c: { '10': 1, '2': 2, é: 3, a: 4 } },
    [0.1, 1e21, -0, 123456789012, 1.5e-7, 'quote " backslash \\ newline \n tab \t ctrl \u0001'],
    { '': 0, '\u20ac': 1, '\ud83d\ude00': 2, '\u00ff': 3 },
    'plain',
    42,
    // An OpenAI assistant message as the SDK returns it, appended to the next call's messages.
    [{ role: 'assistant', content: 'Hi', refusal: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"a":null}' } }] }, { x: { y: null } }],
    null,
  ];
  it.each(samples.map((s) => [JSON.stringify(s), s]))('%s agrees with the protocol JCS', (_, sample) => {
    // Plain RFC 8785: a prompt may hold numbers the evidence rules would refuse (1e21).
    expect(canonical(jsonOf(sample, true))).toBe(canonicalize(sample, { safeIntegersOnly: false }));
  });
});

describe('jsonOf', () => {
  it('makes plain JSON data of what prompts hold, never throwing', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const value = {
      url: new URL('https://cdn.example/cat.png'),
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new ArrayBuffer(2),
      date: new Date(Date.UTC(2026, 4, 1)),
      list: [1, undefined, () => 1],
      dropped: undefined,
      big: 10n,
      nan: NaN,
      lone: 'a\ud800b',
      cycle,
    };
    expect(jsonOf(value, false)).toEqual({
      url: 'https://cdn.example/cat.png',
      bytes: '[3 bytes]',
      buffer: '[2 bytes]',
      date: '2026-05-01T00:00:00.000Z',
      list: [1, null, null],
      big: '10',
      nan: 'NaN',
      lone: 'a\ufffdb',
      cycle: { name: 'loop', self: '[Circular]' },
    });
    expect((jsonOf(value, true) as { bytes: string }).bytes).toBe('AQID');
    expect(Object.keys(jsonOf(JSON.parse('{"__proto__": 1}'), false) as object)).toEqual(['__proto__']);
  });

  it("capture 'full' is bounded: past the limit, the content is left out and said so", () => {
    const base = { integration: 'ai-sdk' as const, operation: 'generate', streamed: false, modelId: 'm', outcome: 'ok' as const, latencyMs: 1 };
    expect(contentOf({ ...base, input: 'hi', output: 'there' })).toEqual({ input: 'hi', output: 'there' });
    expect(contentOf({ ...base, input: 'hi', output: 'x'.repeat(FULL_CAPTURE_CHARS) })).toEqual({ content_omitted: 'too_large' });
  });

  it("capture 'full' of an answer with text and images: the text as `output`, the images' sizes (or URLs) as `images`", () => {
    const base = { integration: 'google-genai' as const, operation: 'models.generateContent', streamed: false, modelId: 'm', outcome: 'ok' as const, latencyMs: 1 };
    const images = [new Base64Image('AQID'), new Uint8Array(5), 'https://images.example.com/a.png'];
    expect(contentOf({ ...base, input: 'hi', output: 'Here it is.', images })).toEqual({ input: 'hi', output: 'Here it is.', images: ['[3 bytes]', '[5 bytes]', 'https://images.example.com/a.png'] });
    // Images alone (an image model's call): no text output.
    const alone = contentOf({ ...base, input: 'hi', images });
    expect(alone).toEqual({ input: 'hi', images: ['[3 bytes]', '[5 bytes]', 'https://images.example.com/a.png'] });
    expect(alone.output).toBeUndefined();
  });
});

describe('prepare', () => {
  const base = { integration: 'google-genai' as const, operation: 'models.generateContent', streamed: false, modelId: 'm', outcome: 'ok' as const, latencyMs: 1, input: 'hi' };
  const log = { record: () => 'e' };

  it('one meaning per field: output_digest the text\'s, image_digest the list of images\' (base64 decoded), each checkable alone', async () => {
    const prepared = await prepare({ ...base, output: 'Here it is.', images: [new Base64Image('AQID'), 'https://images.example.com/a.png'] }, { log, digestKey: KEY });
    expect(prepared).toEqual({
      input_digest: await aiDigest('hi', KEY),
      output_digest: await aiDigest('Here it is.', KEY),
      image_digest: await aiDigest([new Uint8Array([1, 2, 3]), 'https://images.example.com/a.png'], KEY),
    });
    expect(prepared.image_digest).toBe(expected('["AQID","https://images.example.com/a.png"]'));
  });

  it('an image-only call has no output_digest; a text-only call no image_digest', async () => {
    const images = await prepare({ ...base, images: [new Uint8Array([1, 2, 3])] }, { log, digestKey: KEY });
    expect(images).toEqual({ input_digest: await aiDigest('hi', KEY), image_digest: expected('["AQID"]') });
    expect(images.output_digest).toBeUndefined();
    const text = await prepare({ ...base, output: 'Text.' }, { log, digestKey: KEY });
    expect(text).toEqual({ input_digest: await aiDigest('hi', KEY), output_digest: expected('Text.') });
    expect(text.image_digest).toBeUndefined();
  });

  it("capture 'full' keeps within the client's nesting limit: the deepest input it records is one record() takes", async () => {
    const base = { integration: 'ai-sdk' as const, operation: 'generate', streamed: false, modelId: 'm', outcome: 'ok' as const, latencyMs: 1 };
    const nested = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 ? { v: value } : [value];
      return value;
    };
    const { AegisLog } = await import('../../src/index.js');
    const log = new AegisLog({ endpoint: 'http://127.0.0.1:9', tenantId: 'acme', apiKey: 'k', flushInterval: 0, beacon: false, fetchLater: false, locks: false });
    // Only record()'s checks: nothing is delivered (no flush, no timer, the endpoint a closed port).
    const kept = contentOf({ ...base, input: nested(FULL_CAPTURE_DEPTH), output: 'x' });
    expect(kept).toEqual({ input: nested(FULL_CAPTURE_DEPTH), output: 'x' });
    expect(() => log.record('model_inference', kept)).not.toThrow();
    expect(() => log.record('model_inference', { input: nested(FULL_CAPTURE_DEPTH + 1) })).toThrow(expect.objectContaining({ code: 'ERR_TOO_DEEP' }));
    expect(contentOf({ ...base, input: nested(FULL_CAPTURE_DEPTH + 1), output: 'x' })).toEqual({ content_omitted: 'too_deep' });
    // Past any stack too (a RangeError before): left out the same way.
    expect(contentOf({ ...base, input: nested(100_000), output: 'x' })).toEqual({ content_omitted: 'too_deep' });
  });
});
