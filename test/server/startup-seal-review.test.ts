// Start-up found in review (2026-12-04), on the server's own handler in-process over the memory store.
import { expect, it } from 'vitest';
import { createServer, localSigner, memoryStore, type Signer } from '../../src/server/index.js';
import { KEY_CONFIG, KEYS, NOTE_KEY, ORIGIN, clock, event } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';

it('a start-up seal that fails (the signer down for a moment) does not leave every request a 500: they are served, and the seal is made beside them', async () => {
  const inner = await localSigner();
  let down = false;
  const signer: Signer = {
    keyId: inner.keyId,
    publicJwk: () => inner.publicJwk(),
    async sign(message) {
      if (down) throw new Error('KMS ThrottlingException');
      return inner.sign(message);
    },
  } as Signer;
  const store = memoryStore();
  const time = clock();
  const errors: unknown[] = [];
  const options = { signer, store, origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, now: time.now, onError: (e: unknown) => errors.push(e) };
  const first = createServer(options);
  await first.ready;
  const post = (server: typeof first, body: unknown) =>
    server(new Request(`${ENDPOINT}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.ingest }, body: JSON.stringify(body) }));
  expect((await post(first, event())).status).toBe(200);
  await first.settled();

  // Restarted after the period ended, while the signer fails: the start-up seal of that period fails.
  time.advance(2 * 86400_000);
  down = true;
  const second = createServer(options);
  await expect(second.ready).rejects.toThrow('ThrottlingException');
  down = false;

  // Before: every request rethrew the start-up failure, a 500 for as long as the process (or isolate) lived.
  const answer = await post(second, event());
  expect(answer.status).toBe(200);
  const health = await second(new Request(`${ENDPOINT}/healthz`));
  expect(health.status).toBe(200);
  await second.settled(); // the seal due, run beside the requests
  // The period with the first event, and the empty day after it: sealed up to the open period.
  const history = (await (await second(new Request(`${ENDPOINT}/checkpoints`))).json()) as { checkpoints: { period_end: string }[] };
  expect(history.checkpoints.map((c) => c.period_end)).toEqual(['2026-11-29T00:00:00.000Z', '2026-11-30T00:00:00.000Z']);
});

it('a seal that keeps failing is not started again by every request: after a failure, the next waits (backoff)', async () => {
  const inner = await localSigner();
  let down = false;
  let failedSigns = 0;
  const signer: Signer = {
    keyId: inner.keyId,
    publicJwk: () => inner.publicJwk(),
    async sign(message) {
      if (down) throw (failedSigns++, new Error('KMS unreachable'));
      return inner.sign(message);
    },
  } as Signer;
  const time = clock();
  const errors: unknown[] = [];
  const server = createServer({ signer, store: memoryStore(), origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, now: time.now, onError: (e) => errors.push(e) });
  await server.ready;
  const ingest = await server(new Request(`${ENDPOINT}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.ingest }, body: JSON.stringify(event()) }));
  expect(ingest.status).toBe(200);
  await server.settled();
  time.advance(86400_000); // the period has ended; the signer is down
  down = true;
  const health = async () => {
    expect((await server(new Request(`${ENDPOINT}/healthz`))).status).toBe(200);
    await server.settled();
  };
  for (let i = 0; i < 5; i++) await health();
  // Before: each request ran a whole seal again (close, every grown tenant's root from tiles, a signature), and logged it.
  expect(failedSigns).toBe(1);
  expect(errors).toHaveLength(1);
  time.advance(120_000); // past the longest wait: tried again
  await health();
  expect(failedSigns).toBe(2);
  down = false;
  time.advance(120_000);
  await health();
  const history = (await (await server(new Request(`${ENDPOINT}/checkpoints`))).json()) as { checkpoints: unknown[] };
  expect(history.checkpoints).toHaveLength(1);
});
