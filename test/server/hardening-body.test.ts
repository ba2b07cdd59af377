// The body guard (src/transport/json-guard.ts, web-handler's readJsonBody): depth and value
// counts while the body streams in, before JSON.parse; number literals that a double cannot hold.
import { describe, expect, test } from 'vitest';
import { pathOf } from '../../src/protocol/index.js';
import { JsonScanner, pathsAt, survives } from '../../src/transport/json-guard.js';
import { HttpError, readJson, readJsonBody, requireJsonType } from '../../src/transport/web-handler.js';

const utf8 = new TextEncoder();

/** A seeded generator (xorshift), so that a failure can be replayed. */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const TRICKY_STRINGS = ['', 'a', '"', '\\', '\\"', '"\\', '\\\\', '\\\\\\"', '{[', ']}', 'tf n', 'é€😀', '1e-400', '\u0000\u001f'];

function document(rand: () => number, depth = 0): unknown {
  const pick = rand();
  if (depth > 6 || pick < 0.45) {
    const scalar = rand();
    if (scalar < 0.3) return TRICKY_STRINGS[Math.floor(rand() * TRICKY_STRINGS.length)];
    if (scalar < 0.5) return Math.floor(rand() * 1e6) - 5e5;
    if (scalar < 0.6) return rand() * 10 ** Math.floor(rand() * 40 - 20);
    if (scalar < 0.7) return true;
    if (scalar < 0.8) return false;
    return null;
  }
  const n = Math.floor(rand() * 5);
  if (pick < 0.7) return Array.from({ length: n }, () => document(rand, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) object[`${TRICKY_STRINGS[Math.floor(rand() * TRICKY_STRINGS.length)]}${i}`] = document(rand, depth + 1);
  return object;
}

/** What the scanner should find: values (keys counted) and the deepest nesting. */
function reference(value: unknown, depth = 1): { values: number; depth: number } {
  if (value === null || typeof value !== 'object') return { values: 1, depth: 0 };
  let values = 1;
  let deepest = depth;
  const entries = Array.isArray(value) ? value.map((v) => [undefined, v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    if (key !== undefined) values++;
    const r = reference(child, depth + 1);
    values += r.values;
    deepest = Math.max(deepest, r.depth);
  }
  return { values, depth: deepest };
}

function scanInChunks(bytes: Uint8Array, cuts: number[], limits = { maxDepth: 1000, maxValues: 1e9 }) {
  const scanner = new JsonScanner(limits);
  let deepest = 0;
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // Depth is checked at each open; track the maximum by scanning byte by byte at the cut points only.
    const refusal = scanner.push(bytes.subarray(at, cut));
    if (refusal) return { refusal, scanner, deepest };
    deepest = Math.max(deepest, scanner.depth);
    at = cut;
  }
  scanner.end();
  return { refusal: undefined, scanner, deepest };
}

describe('JsonScanner', () => {
  test('counts every value and key of random documents exactly, however the bytes are cut (strings with quotes and backslashes across cuts)', () => {
    const rand = random(20260811);
    for (let round = 0; round < 400; round++) {
      const value = document(rand);
      const bytes = utf8.encode(JSON.stringify(value));
      const cuts = Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * bytes.length)).sort((a, b) => a - b);
      const { refusal, scanner } = scanInChunks(bytes, cuts);
      const expected = reference(value);
      expect(refusal).toBeUndefined();
      expect(scanner.values).toBe(expected.values);
      expect(scanner.depth).toBe(0);
      expect(scanner.badNumbers).toEqual([]); // JSON.stringify only writes numbers that survive
    }
  });

  test('depth: refused at the first byte past the limit, and one byte at a time gives the same answer', () => {
    const ok = utf8.encode(`${'['.repeat(64)}${']'.repeat(64)}`);
    expect(scanInChunks(ok, [], { maxDepth: 64, maxValues: 1e6 }).refusal).toBeUndefined();
    const deep = utf8.encode(`${'['.repeat(65)}${']'.repeat(65)}`);
    expect(scanInChunks(deep, [], { maxDepth: 64, maxValues: 1e6 }).refusal).toEqual({ kind: 'depth', limit: 64 });
    const scanner = new JsonScanner({ maxDepth: 64, maxValues: 1e6 });
    let refusedAt = -1;
    for (let i = 0; i < deep.length && refusedAt < 0; i++) if (scanner.push(deep.subarray(i, i + 1))) refusedAt = i;
    expect(refusedAt).toBe(64);
    // Brackets inside strings do not count, escaped quotes do not end the string.
    const text = utf8.encode(JSON.stringify({ s: `\\"${'['.repeat(200)}` }));
    expect(scanInChunks(text, [3, 4, 5], { maxDepth: 2, maxValues: 10 }).refusal).toBeUndefined();
  });

  test('values: 700k empty objects are refused after 100,001 values, without reading the rest', () => {
    const body = utf8.encode(`{"events":[${Array.from({ length: 700_000 }, () => '{}').join(',')}]}`);
    const scanner = new JsonScanner({ maxDepth: 64, maxValues: 100_000 });
    let read = 0;
    let refusal;
    for (let at = 0; at < body.length && !refusal; at += 65536) {
      refusal = scanner.push(body.subarray(at, at + 65536));
      read = Math.min(body.length, at + 65536);
    }
    expect(refusal).toEqual({ kind: 'values', limit: 100_000 });
    expect(read).toBeLessThan(body.length / 5);
  });

  test('number literals: those a double cannot hold are noted (also when cut across chunks)', () => {
    const text = '{"a":1e-400,"b":[0.1,1e400,-0,12345678901234567890],"c":9007199254740993,"d":1.5e300,"e":0.30000000000000004}';
    const bytes = utf8.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { scanner } = scanInChunks(bytes, [cut]);
      const texts = scanner.badNumbers.map((at) => /^[-+.eE0-9]+/.exec(text.slice(at))![0]);
      expect(texts).toEqual(['1e-400', '1e400', '12345678901234567890', '9007199254740993']);
    }
  });
});

describe('survives', () => {
  test.each([
    ['0', true], ['-0', true], ['0.1', true], ['1e5', true], ['1E+5', true], ['100000', true], ['0.000001', true], ['1e-7', true],
    ['0.30000000000000004', true], ['1.7976931348623157e308', true], ['5e-324', true], ['9007199254740992', true], ['123456789012345', true],
    ['1e-400', false], ['-1e-400', false], ['1e400', false], ['-1e400', false], ['9007199254740993', false], ['12345678901234567890', false],
    ['0.1000000000000000055511151231257827', false], ['2.5e-324', false], ['0e99999', true], ['1.0', true], ['1.50e2', true],
  ])('%s -> %s', (text, expected) => {
    expect(survives(text)).toBe(expected);
  });
});

test('pathsAt names the value at an offset (keys with escapes, arrays, nesting)', () => {
  const text = '{"events":[{"a":1},{"x\\"y":[2,{"deep":1e-400}], "performance_metrics":{"latency_ms":1e999}}],"z":3}';
  const bytes = utf8.encode(text);
  const offsets = [text.indexOf('1e-400'), text.indexOf('1e999'), text.indexOf('3}')];
  expect(pathsAt(bytes, offsets).map((p) => pathOf(p ?? undefined))).toEqual(['events[1]["x\\"y"][1].deep', 'events[1].performance_metrics.latency_ms', 'z']);
  expect(pathsAt(utf8.encode('1e-400'), [0])).toEqual([undefined]);
});

test('pathsAt: a value under a key that its object repeats later is null (JSON.parse dropped it); the last one keeps its path', () => {
  // The first "events" array is dropped by JSON.parse; its event [0] is not the kept array's event [0].
  const text = '{"events":[{"x":1e-400}],"a":{"k":1e400,"k":2,"j":{"k":1e-999}},"events":[{"y":1},{"x":1e-500}]}';
  const bytes = utf8.encode(text);
  const offsets = ['1e-400', '1e400', '1e-999', '1e-500'].map((n) => text.indexOf(n));
  expect(pathsAt(bytes, offsets).map((p) => (p === null ? null : pathOf(p)))).toEqual([null, null, 'a.j.k', 'events[1].x']);
});

function streamed(body: Uint8Array, chunk: number, headers: Record<string, string> = {}): { request: Request; pulled: () => number } {
  let pulled = 0;
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + chunk));
      at += chunk;
      pulled++;
    },
  });
  const request = new Request('http://x/ingest', { method: 'POST', body: stream, headers, duplex: 'half' } as RequestInit);
  return { request, pulled: () => pulled };
}

describe('readJsonBody', () => {
  test('a 2 MiB body of [[[[… is refused (400 ERR_TOO_DEEP) after its first chunk', async () => {
    const body = utf8.encode(`${'['.repeat(1_048_000)}${']'.repeat(1_048_000)}`);
    const { request, pulled } = streamed(body, 16384);
    const error = await readJsonBody(request, 4 * 1024 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, code: 'ERR_TOO_DEEP' });
    expect(pulled()).toBeLessThanOrEqual(2); // the stream may have one chunk queued ahead
  });

  test('too many values: 413 (split it)', async () => {
    const body = utf8.encode(`[${Array.from({ length: 200 }, () => '{}').join(',')}]`);
    const error = await readJsonBody(streamed(body, 64).request, 1 << 20, { maxDepth: 64, maxValues: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  test('numbers that change value: returned with their paths by readJsonBody, refused naming the field by readJson', async () => {
    const text = '{"events":[{"n":1},{"performance_metrics":{"latency_ms":1e-400}}]}';
    const body = await readJsonBody(streamed(utf8.encode(text), 7).request, 1 << 20);
    expect(body.badNumbers.map((b) => [pathOf(b.path), b.text])).toEqual([['events[1].performance_metrics.latency_ms', '1e-400']]);
    expect(body.values).toBe(11); // 4 objects, 1 array, 4 keys, 2 numbers
    // A key repeated (JSON.parse would drop the first value) refuses the whole body, naming it.
    const repeated = '{"events":[{"x":1e-400}],"events":[{"x":1},{"x":1e-500}]}';
    const dropped = await readJsonBody(streamed(utf8.encode(repeated), 5).request, 1 << 20).catch((e: unknown) => e);
    expect(dropped).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'events' });
    const error = await readJson(new Request('http://x/', { method: 'POST', body: '{"latency_ms": 1e400}' }), 1 << 20).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'latency_ms' });
    expect((error as Error).message).toContain('1e400');
  });

  test('a body cut off mid-stream is the client’s failure (400), not the server’s', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8.encode('{"a":'));
        controller.error(new Error('socket hang up'));
      },
    });
    const request = new Request('http://x/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await readJson(request, 1024).catch((e: unknown) => e)).toMatchObject({ status: 400, code: 'bad_request' });
  });
});

test('requireJsonType: application/json (charset UTF-8 if any); others only where a route names them; else 415 naming content-type', () => {
  const with_ = (type?: string) => new Request('http://x/', { method: 'POST', body: '{}', headers: type === undefined ? {} : { 'content-type': type } });
  for (const ok of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json;charset="utf-8"']) expect(() => requireJsonType(with_(ok))).not.toThrow();
  expect(() => requireJsonType(with_('text/plain;charset=UTF-8'), ['text/plain'])).not.toThrow();
  for (const bad of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonp', '']) {
    expect(() => requireJsonType(with_(bad))).toThrow(expect.objectContaining({ status: 415, code: 'unsupported_media_type', field: 'content-type' }));
  }
  // A Request with a string body and no Content-Type gets text/plain from fetch; a bodiless one has none.
  expect(() => requireJsonType(new Request('http://x/', { method: 'POST' }))).toThrow(/no Content-Type/);
});
