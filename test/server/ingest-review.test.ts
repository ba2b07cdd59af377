// Ingest edges found in review (2026-12-03), on the server's own handler in-process over the memory
// store: a copy of an event that arrives while the first is being signed gets the first's receipt;
// a batch error names only an event_id its sender gave; a 409 does not tell an ingest key the
// stored event's digest.
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../src/protocol/index.js';
import { createServer, localSigner, memoryStore, type Signer } from '../../src/server/index.js';
import { KEY_CONFIG, KEYS, NOTE_KEY, ORIGIN, event } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';

/** A local signer whose signatures wait, while `hold` is set, until `release()`; it counts its calls. */
async function heldSigner() {
  const inner = await localSigner();
  let hold = false;
  let calls = 0;
  let release = () => {};
  let released = Promise.resolve();
  const signer: Signer = {
    keyId: inner.keyId,
    publicJwk: () => inner.publicJwk(),
    async sign(message) {
      calls++;
      if (hold) await released;
      return inner.sign(message);
    },
  } as Signer;
  return {
    signer,
    calls: () => calls,
    hold() {
      hold = true;
      released = new Promise<void>((resolve) => (release = resolve));
    },
    release() {
      hold = false;
      release();
    },
  };
}

async function server(signer: Signer, onError: (error: unknown) => void = (e) => console.error(e)) {
  const handler = createServer({ signer, store: memoryStore(), origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, onError });
  await handler.ready;
  return (path: string, body: unknown) =>
    handler(new Request(`${ENDPOINT}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.ingest }, body: JSON.stringify(body) }));
}

/** Lets every task queued so far run (the in-process handler over the memory store needs no I/O). */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('ingest', () => {
  it('answers a copy that arrives while the first is being signed with the very receipt the first gets', async () => {
    const held = await heldSigner();
    const post = await server(held.signer);
    const e = event();
    held.hold();
    const before = held.calls();
    const first = post('/ingest', e);
    await turns(20);
    expect(held.calls()).toBe(before + 1); // the first is stored and being signed
    const copy = post('/ingest', e);
    await turns(20);
    held.release();
    const [a, b] = (await Promise.all([(await first).json(), (await copy).json()])) as [Receipt, Receipt];
    expect(b.duplicate).toBe(true);
    expect(b.signature_b64url).toBe(a.signature_b64url);
    expect(held.calls()).toBe(before + 1); // the copy made no signature of its own
  });

  it('a copy still gets a receipt when the first signing fails: it signs for itself', async () => {
    const inner = await localSigner();
    let fail = false;
    const signer = { keyId: inner.keyId, publicJwk: () => inner.publicJwk(), sign: (m: Uint8Array) => (fail ? Promise.reject(new Error('KMS down (scripted)')) : inner.sign(m)) } as Signer;
    const post = await server(signer, () => {}); // the first signing's failure is expected here
    const e = event();
    fail = true;
    expect((await post('/ingest', e)).status).toBe(500);
    fail = false;
    const again = await post('/ingest', e);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Receipt).duplicate).toBe(true);
  });

  it("a batch error names the sender's event_id, or none when it gave none (not the id the server filled in)", async () => {
    const post = await server(await localSigner());
    const given = event({ event_type: '' });
    const { event_id: _, ...noId } = event({ event_type: '' });
    const answer = (await (await post('/ingest/batch', { events: [given, noId] })).json()) as { errors: Record<string, unknown>[] };
    expect(answer.errors).toEqual([
      expect.objectContaining({ index: 0, event_id: given.event_id, field: 'event_type' }),
      expect.not.objectContaining({ event_id: expect.anything() }),
    ]);
    expect(answer.errors[1]).toMatchObject({ index: 1, field: 'event_type' });
  });

  it('a 409 does not tell an ingest key the digest of what was stored', async () => {
    const post = await server(await localSigner());
    const e = event();
    const stored = (await (await post('/ingest', e)).json()) as Receipt;
    const conflict = await post('/ingest', { ...e, prompt: 'other content' });
    expect(conflict.status).toBe(409);
    const text = await conflict.text();
    expect(text).toContain('was stored before with other content');
    expect(text).not.toContain(stored.digest_b64url);
  });
});

describe('settled(): the work that outlives an answer, awaited before a host closes the store', () => {
  it('resolves only once the receipt signatures of answered events are kept', async () => {
    const store = memoryStore();
    let release!: () => void;
    const held = new Promise<void>((done) => (release = done));
    const putSignatures = store.putSignatures.bind(store);
    let kept = 0;
    store.putSignatures = async (list) => {
      await held;
      await putSignatures(list);
      kept += list.length;
    };
    const server = createServer({ signer: await localSigner(), store, origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, onError: () => {} });
    await server.ready;
    const e = event();
    const res = await server(new Request(`${ENDPOINT}/ingest`, { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' }, body: JSON.stringify(e) }));
    expect(res.status).toBe(200);
    let settled = false;
    const waiting = server.settled().then(() => (settled = true));
    await Promise.resolve();
    expect([settled, kept]).toEqual([false, 0]); // the answer is out, its signature not yet kept
    release();
    await waiting;
    expect(kept).toBe(1);
    expect((await store.getRecord('acme', e.event_id as string))?.signature_b64url).toEqual(expect.any(String));
  });
});

describe('ingest of a batch over several tenants', () => {
  it("keeps the signatures of a tenant's committed events when another tenant's append fails", async () => {
    // Found in review (2026-12-04): the batch's error skipped putSignatures, and the signatures
    // made for the other tenants stayed in the process's memory, never kept.
    const store = memoryStore();
    const append = store.append.bind(store);
    store.append = async (input) => {
      if (input.tenantId === 'other') throw new Error('the store is down for this tenant');
      return append(input);
    };
    const errors: unknown[] = [];
    const handler = createServer({ signer: await localSigner(), store, origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG, onError: (e) => errors.push(e) });
    await handler.ready;
    const kept = event();
    const response = await handler(
      new Request(`${ENDPOINT}/ingest/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEYS.admin },
        body: JSON.stringify({ events: [kept, event({ tenant_id: 'other' })] }),
      }),
    );
    expect(response.status).toBeGreaterThanOrEqual(500);
    await handler.settled();
    const record = await store.getRecord(kept.tenant_id as string, kept.event_id as string);
    expect(record?.leafIndex).toBe(0);
    expect(record?.signature_b64url ?? 'none kept').toMatch(/^[A-Za-z0-9_-]{80,}$/);
  });
});
