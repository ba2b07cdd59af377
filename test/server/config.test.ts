import { expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import type { ApiKeyConfig } from '../../src/server/index.js';

const good: ApiKeyConfig = { key: 'a-long-enough-key-0001', tenant_id: 'acme', scope: 'read' };

// Each refusal names the field at fault, as its message does (review, 2026-12-04: every one said `keys`).
test.each([
  ['a short key', [{ ...good, key: 'short' }], /at least 16/, 'keys[0].key'],
  ['an unknown scope', [{ ...good, scope: 'write' }], /scope/, 'keys[0].scope'],
  ['an admin key bound to a tenant', [{ ...good, scope: 'admin' }], /"\*" for an admin key/, 'keys[0].tenant_id'],
  ['a tenant key with "*"', [good, { ...good, key: 'another-long-key-0002', tenant_id: '*' }], /tenant_id/, 'keys[1].tenant_id'],
  // A dot segment: /logs/../tile/... is /tile/..., the root log's; no route could name this tenant's log.
  ['a tenant ".."', [{ ...good, tenant_id: '..' }], /not "\." or "\.\."/, 'keys[0].tenant_id'],
  ['the same key twice', [good, { ...good, tenant_id: 'other' }], /repeats a key/, 'keys[1]'],
  ['origins that are not strings', [{ ...good, origins: [1] }], /origins/, 'keys[0].origins'],
  ['an origin without its scheme', [{ ...good, origins: ['https://app.example', 'app.example'] }], /keys\[0\]\.origins\[1\] is not an origin/, 'keys[0].origins'],
  ['an origin pattern', [{ ...good, origins: ['https://*.app.example'] }], /keys\[0\]\.origins\[0\] is not an origin/, 'keys[0].origins'],
  // A typo (`origin` for `origins`) was taken without a word, and every browser call was then refused.
  ['a member no key takes (origin for origins)', [{ ...good, origin: ['https://app.example'] }], /keys\[0\]\.origin is not a member of a key \(key, tenant_id, scope, origins\)/, 'keys[0].origin'],
  ['not an array', { keys: [] }, /array/, 'keys'],
])('a keys file with %s is refused at start with ERR_CONFIG', async (_, keys, message, field) => {
  const options = { signer: await localSigner(), store: memoryStore(), keys: keys as ApiKeyConfig[], origin: 'config.test/log' };
  expect(() => createServer(options)).toThrow(message);
  try {
    createServer(options);
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_CONFIG', field });
  }
});

test('a period that is not a whole number of seconds ≥ 1 is refused', async () => {
  for (const period of [0, 1.5, -60]) {
    expect(() => createServer({ signer: {} as never, store: memoryStore(), keys: [good], period, origin: 'config.test/log' })).toThrow(/period/);
  }
});

test.each(['', 'has space/log', 'plus+sign/log', 42])('an origin that is not a note key name (%j) is refused with ERR_CONFIG naming origin', async (origin) => {
  expect(() => createServer({ signer: {} as never, store: memoryStore(), keys: [good], origin: origin as string })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'origin' }));
});

// A review found limits taken unchecked: -1 refused every body, "big" and NaN turned a check off.
test.each([
  ['ingestBytes', -1],
  ['ingestBytes', 'big'],
  ['batchEvents', 0],
  ['jsonDepth', 1.5],
  ['keyRatePerSecond', Number.NaN],
  ['keyRatePerSecond', -5],
  ['keyRateBurst', 0],
  ['noSuchLimit', 10],
])('limits.%s = %j is refused with ERR_CONFIG naming it', async (name, value) => {
  const create = () => createServer({ signer: {} as never, store: memoryStore(), keys: [good], origin: 'config.test/log', limits: { [name]: value } as never });
  expect(create).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: `limits.${name}` }));
});

test('good limits pass: 0 turns the key rate off, a fractional rate is allowed', async () => {
  for (const limits of [{ keyRatePerSecond: 0, keyRateBurst: 0 }, { keyRatePerSecond: 0.5, keyRateBurst: 3 }, { batchEvents: 100, ingestBytes: 4096 }]) {
    expect(() => createServer({ signer: {} as never, store: memoryStore(), keys: [good], origin: 'config.test/log', limits })).not.toThrow();
  }
});

test('publicOrigins that is neither an array nor a function, and a period past a century, are refused naming them', async () => {
  const base = { signer: {} as never, store: memoryStore(), keys: [good], origin: 'config.test/log' };
  expect(() => createServer({ ...base, publicOrigins: 'https://a.example' as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'publicOrigins' }));
  expect(() => createServer({ ...base, period: 1e13 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'period' }));
});

test("a key's origins are read as browsers send them: a slash, capitals or the default port still name the page", async () => {
  const key = { key: 'a-long-enough-key-0003', tenant_id: 'acme', scope: 'ingest' as const, origins: ['https://App.example:443/'] };
  const server = createServer({ signer: await localSigner(), store: memoryStore(), keys: [key], origin: 'config.test/log' });
  const post = (origin: string) =>
    server(new Request('https://log.example/ingest', { method: 'POST', headers: { 'x-api-key': key.key, 'content-type': 'application/json', origin }, body: JSON.stringify({ event_type: 'model_inference' }) }));
  const ok = await post('https://app.example');
  expect(ok.status).toBe(200);
  expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
  expect((await post('https://app.example.evil')).status).toBe(403);
  // The caller's own object is left as it was.
  expect(key.origins).toEqual(['https://App.example:443/']);
});

// A delay of 0, below 0, NaN or beyond 2^31−1 ms (24.8 days) retried a witness that is down without pause
// (setTimeout waits 1 ms for those).
test.each([
  [{ baseDelay: 0 }, 'witnessRetry.baseDelay'],
  [{ baseDelay: 2 ** 31, maxDelay: 2 ** 31 }, 'witnessRetry.baseDelay'],
  [{ maxDelay: 30 * 86_400_000 }, 'witnessRetry.maxDelay'],
  [{ baseDelay: -5 }, 'witnessRetry.baseDelay'],
  [{ baseDelay: 'soon' }, 'witnessRetry.baseDelay'],
  [{ maxDelay: Number.NaN }, 'witnessRetry.maxDelay'],
  [{ baseDelay: 500, maxDelay: 100 }, 'witnessRetry.maxDelay'],
  [{ attempts: 0 }, 'witnessRetry.attempts'],
  [{ attempts: 2.5 }, 'witnessRetry.attempts'],
  [7, 'witnessRetry'],
])('witnessRetry %j is refused at start with ERR_CONFIG naming %s', (witnessRetry, field) => {
  expect(() => createServer({ signer: {} as never, store: memoryStore(), keys: [good], origin: 'config.test/log', witnessRetry: witnessRetry as never })).toThrow(
    expect.objectContaining({ code: 'ERR_CONFIG', field }),
  );
});

test('witnessRetry within bounds, Infinity attempts included, and witnesses that is not an array', () => {
  const base = { signer: {} as never, store: memoryStore(), keys: [good], origin: 'config.test/log' };
  expect(() => createServer({ ...base, witnessRetry: { baseDelay: 1, maxDelay: 2, attempts: Number.POSITIVE_INFINITY } })).not.toThrow();
  expect(() => createServer({ ...base, witnessRetry: { baseDelay: 2 ** 31 - 1, maxDelay: 2 ** 31 - 1 } })).not.toThrow();
  expect(() => createServer({ ...base, witnesses: { url: 'https://w.example' } as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'witnesses' }));
});
