import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { b64uEncode, canonicalBytes, eventDigest, receiptStatementOf } from '../../src/protocol/index.js';
import type { Receipt } from '../../src/protocol/index.js';
import { importPublicKey, verifySignature } from '../../src/verify/index.js';
import { KEYS, TENANT, event, start } from './helpers.js';
import type { Running } from './helpers.js';

let s: Running;
beforeAll(async () => {
  s = await start();
});
afterAll(async () => {
  // Every fault case above left the server up.
  expect((await s.call('/healthz', { key: null })).status).toBe(200);
  await s.stop();
});

const ingest = (body: unknown, key: string | null = KEYS.ingest) => s.call('/ingest', { key, json: body });
const raw = (path: string, body: string, headers: Record<string, string> = {}, key: string | null = KEYS.ingest) =>
  s.call(path, { key, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

async function expectError(response: Response, status: number, code: string, field?: string) {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  expect({ status: response.status, code: body.error.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  if (field !== undefined) expect(body.error.field).toBe(field);
  return body.error;
}

async function signatureValid(receipt: Receipt): Promise<boolean> {
  const key = await importPublicKey(await s.signer.publicJwk());
  return verifySignature({ key, signature: receipt.signature_b64url, message: canonicalBytes(receiptStatementOf(receipt)) });
}

describe('POST /ingest', () => {
  test('returns a signed receipt over the digest of the canonical event, after storing it', async () => {
    const e = event({ payload: { nested: [1, 2.5, null, true] }, score: 0.95 });
    const response = await ingest(e);
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as Receipt;
    expect(receipt).toMatchObject({ ok: true, v: 1, tenant_id: TENANT, event_id: e.event_id, trace_id: e.trace_id, signing_alg: 'ECDSA_SHA_256' });
    expect(receipt.digest_b64url).toBe(b64uEncode(eventDigest(e)));
    expect(receipt.key_id).toBe(s.signer.keyId);
    expect(await signatureValid(receipt)).toBe(true);
    const stored = await s.store.getRecord(TENANT, e.event_id as string);
    expect(stored?.statement).toEqual(receiptStatementOf(receipt));
    expect(stored?.leafIndex).toBe(0);
    expect(stored?.eventJson).toBe(new TextDecoder().decode(canonicalBytes(e)));
  });

  test('Python SDK wire format: flat JSON, X-Api-Key, no ids, None as null: the server fills event_id, trace_id, tenant_id', async () => {
    const python = {
      event_type: 'loan_decision',
      applicant_id: 'A123456',
      final_decision: 'approve',
      policy_context: { policy_name: 'credit', policy_version: '4.2.1', policy_hash: null },
      human_intervention: null,
      event_id: null,
    };
    const response = await raw('/ingest', JSON.stringify(python, null, 1), {}, KEYS.read); // the Python SDK uses one key for both
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as Receipt;
    expect(Object.keys(receipt)).toEqual(expect.arrayContaining(['ok', 'event_id', 'trace_id', 'tenant_id', 'digest_b64url', 'signing_alg']));
    expect(receipt.tenant_id).toBe(TENANT);
    expect(receipt.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const stored = await s.store.getRecord(TENANT, receipt.event_id);
    expect(stored!.event).toEqual({
      event_type: 'loan_decision', applicant_id: 'A123456', final_decision: 'approve', tenant_id: TENANT,
      policy_context: { policy_name: 'credit', policy_version: '4.2.1' }, event_id: receipt.event_id, trace_id: receipt.trace_id,
    });
    expect(receipt.digest_b64url).toBe(b64uEncode(eventDigest(stored!.event)));
  });

  test('Authorization: Bearer works as well as X-Api-Key', async () => {
    const response = await s.call('/ingest', { key: null, json: event(), headers: { authorization: `Bearer ${KEYS.ingest}` } });
    expect(response.status).toBe(200);
  });

  test('malformed JSON → 400 bad_json', async () => {
    await expectError(await raw('/ingest', '{"event_type": "x",'), 400, 'bad_json');
  });

  test('a body that is not UTF-8 → 400 bad_json', async () => {
    const response = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]), headers: { 'content-type': 'application/json' } });
    await expectError(response, 400, 'bad_json');
  });

  test('a reserved-name collision in the payload → 400 naming the field', async () => {
    await expectError(await ingest(event({ signature_b64url: 'forged' })), 400, 'ERR_RESERVED_FIELD', 'signature_b64url');
  });

  test('an event_id that is a dot segment ("." or "..") → 400 naming it: /evidence/.. could never name it', async () => {
    for (const id of ['.', '..']) await expectError(await ingest(event({ event_id: id })), 400, 'ERR_SCHEMA_INVALID', 'event_id');
  });

  test('model_context without model_version → 400 naming the field', async () => {
    await expectError(await ingest(event({ model_context: { model_id: 'm' } })), 400, 'ERR_SCHEMA_INVALID', 'model_context.model_version');
  });

  test('confidence_score outside [0, 1] → 400 naming the field', async () => {
    const e = event({ performance_metrics: { confidence_score: 1.5 } });
    await expectError(await ingest(e), 400, 'ERR_SCHEMA_INVALID', 'performance_metrics.confidence_score');
  });

  test('an integer beyond ±2^53 (which JSON.parse would round) → 400 naming the field', async () => {
    const body = JSON.stringify(event()).replace(/}$/, ',"big":9007199254740993}');
    await expectError(await raw('/ingest', body), 400, 'ERR_JCS_INVALID', 'big');
  });

  test('nesting deeper than the stated limit (32) → 400 naming the field', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const error = await expectError(await ingest(event({ deep })), 400, 'ERR_TOO_DEEP');
    expect(error.field).toMatch(/^deep(\.d)+$/);
  });

  test('an event_id outside its alphabet → 400 naming the field', async () => {
    await expectError(await ingest(event({ event_id: 'has space' })), 400, 'ERR_SCHEMA_INVALID', 'event_id');
  });

  test('an event over 1 MiB as canonical JSON → 413 ERR_TOO_LARGE', async () => {
    await expectError(await ingest(event({ blob: 'x'.repeat(1024 * 1024) })), 413, 'ERR_TOO_LARGE');
  });

  test('no key → 401; an unknown key → 401', async () => {
    await expectError(await ingest(event(), null), 401, 'unauthorized');
    await expectError(await ingest(event(), 'not-a-key-of-this-server-at-all'), 401, 'unauthorized');
  });

  test("another tenant's tenant_id → 403", async () => {
    await expectError(await ingest(event({ tenant_id: 'other' })), 403, 'forbidden', 'tenant_id');
    await expectError(await ingest(event({ tenant_id: TENANT }), KEYS.otherRead), 403, 'forbidden', 'tenant_id');
  });

  test('an admin key must name the tenant', async () => {
    const e = event();
    delete e.tenant_id;
    await expectError(await ingest(e, KEYS.admin), 400, 'ERR_SCHEMA_INVALID', 'tenant_id');
    expect((await ingest(event({ tenant_id: 'other' }), KEYS.admin)).status).toBe(200);
  });

  test('same event_id and content → the original receipt with duplicate: true; other content → 409', async () => {
    const e = event();
    const first = (await (await ingest(e)).json()) as Receipt;
    const again = (await (await ingest(e)).json()) as Receipt;
    expect(again).toEqual({ ...first, duplicate: true });
    await vi.waitFor(async () => expect((await s.store.getRecord(TENANT, e.event_id as string))?.signature_b64url).toBe(first.signature_b64url));
    expect(await (await ingest(e)).json()).toEqual({ ...first, duplicate: true }); // the store keeps the signature as issued
    await expectError(await ingest({ ...e, prompt: 'changed' }), 409, 'conflict', 'event_id');
  });

  test('an identical resend without trace_id is a duplicate, never a conflict: trace_id defaults to the event_id (§2)', async () => {
    const { trace_id: _, ...e } = event();
    const first = (await (await ingest(e)).json()) as Receipt;
    expect(first.trace_id).toBe(e.event_id);
    const again = await ingest(e);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...first, duplicate: true });
  });

  test('a receipt whose signature was lost after its commit is signed again on its next read, over the same statement', async () => {
    const e = event();
    const first = (await (await ingest(e)).json()) as Receipt;
    await vi.waitFor(async () => expect((await s.store.getRecord(TENANT, e.event_id as string))?.signature_b64url).toBe(first.signature_b64url));
    const unsigned = { ...(await s.store.getRecord(TENANT, e.event_id as string))!, signature_b64url: null };
    const { receiptFor } = await import('../../src/server/ingest.js');
    // The store's first read still shows it unsigned: signed again, and the one the store keeps answered.
    let reads = 0;
    const getRecord: typeof s.store.getRecord = async (...args) => (reads++ === 0 ? unsigned : s.store.getRecord(...args));
    const signedAgain = await receiptFor({ store: { ...s.store, getRecord }, signer: s.signer, unsaved: new Map() }, unsigned);
    expect(receiptStatementOf(signedAgain)).toEqual(receiptStatementOf(first));
    expect(await signatureValid(signedAgain)).toBe(true);
    expect(signedAgain.signature_b64url).toBe(first.signature_b64url);
  });
});

describe('POST /ingest/batch', () => {
  const batch = (events: unknown[], key = KEYS.ingest) => s.call('/ingest/batch', { key, json: { events } });

  test('stores the good events and names the bad by index; receipts in input order', async () => {
    const good = [event(), event(), event()];
    const taken = event();
    await s.call('/ingest', { key: KEYS.ingest, json: taken });
    const events = [good[0], { ...event(), confidence_score: 2, performance_metrics: { confidence_score: 2 } }, good[1], 'not an object',
      { ...taken, prompt: 'other content' }, good[2], event({ tenant_id: 'other' }), good[0]];
    const response = await batch(events);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { receipts: Receipt[]; errors: { index: number; code: string; field?: string; event_id?: string }[] };
    expect(body.receipts.map((r) => r.event_id)).toEqual([good[0]!.event_id, good[1]!.event_id, good[2]!.event_id, good[0]!.event_id]);
    expect(body.receipts[3]).toEqual({ ...body.receipts[0], duplicate: true });
    expect(body.errors.map((e) => [e.index, e.code, e.field])).toEqual([
      [1, 'ERR_SCHEMA_INVALID', 'performance_metrics.confidence_score'],
      [3, 'ERR_SCHEMA_INVALID', 'event'],
      [4, 'conflict', 'event_id'],
      [6, 'forbidden', 'tenant_id'],
    ]);
    expect(body.errors[2]!.event_id).toBe(taken.event_id);
    for (const g of good) expect(await s.store.getRecord(TENANT, g.event_id as string)).toBeDefined();
    // One batch, one received_at.
    expect(new Set(body.receipts.slice(0, 3).map((r) => r.received_at)).size).toBe(1);
  });

  test('more than 500 events → 413 (split the batch); nothing stored', async () => {
    const events = Array.from({ length: 501 }, () => event({ prompt: '' }));
    await expectError(await batch(events), 413, 'payload_too_large');
    expect(await s.store.getRecord(TENANT, events[0]!.event_id as string)).toBeUndefined();
  });

  test('a body over 1 MiB → 413', async () => {
    await expectError(await batch([event({ blob: 'y'.repeat(1024 * 1024) })]), 413, 'payload_too_large');
  });

  test('a body that is not {"events":[...]} → 400', async () => {
    await expectError(await s.call('/ingest/batch', { key: KEYS.ingest, json: [event()] }), 400, 'bad_request', 'events');
  });
});

describe('POST /beacon', () => {
  const beacon = (body: unknown, headers: Record<string, string> = {}) =>
    s.call('/beacon', { key: null, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } });

  test('text/plain {"key","events"} with an ingest key → 204, events stored', async () => {
    const e = event();
    const response = await beacon({ key: KEYS.ingest, events: [e] });
    expect(response.status).toBe(204);
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeDefined();
  });

  test('a read key in a beacon body is refused (a secret in a browser) and nothing is stored', async () => {
    const e = event();
    await expectError(await beacon({ key: KEYS.read, events: [e] }), 403, 'forbidden', 'key');
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
  });

  test('an unknown key → 401', async () => {
    await expectError(await beacon({ key: 'no-such-key-0000000000', events: [event()] }), 401, 'unauthorized');
  });

  // The bodies below would each be refused by the JSON guard (nested 100 deep), which scans a body
  // before parsing: a 401 for them shows the key was refused before the body was scanned or parsed.
  const deep = `[${'['.repeat(100)}${']'.repeat(100)}]`;
  const rawBeacon = (body: string) => s.call('/beacon', { key: null, method: 'POST', body, headers: { 'content-type': 'text/plain' } });

  test('an unknown key written first (as the client does) is refused before the body is scanned', async () => {
    await expectError(await rawBeacon(`{"key":"no-such-key-0000000000","events":${deep}}`), 401, 'unauthorized');
  });

  test('an unknown key written after the events is refused before the body is scanned', async () => {
    await expectError(await rawBeacon(`{"events":${deep},"x":{"key":"${KEYS.ingest}"}, "key" : "no-such-key-0000000000"}`), 401, 'unauthorized');
    await expectError(await rawBeacon(`{"events":${deep},"\\u006bey":"${KEYS.read}"}`), 403, 'forbidden', 'key');
  });

  test('a body without a string key is refused as before, without parsing it', async () => {
    await expectError(await rawBeacon(`{"events":${deep}}`), 400, 'bad_request', 'key');
    await expectError(await rawBeacon(`{"key":7,"events":[]}`), 400, 'bad_request', 'key');
  });

  test('a good key: the body is then checked and parsed as before; a body naming two keys is refused', async () => {
    await expectError(await rawBeacon(`{"key":"${KEYS.ingest}","events":${deep}}`), 400, 'ERR_TOO_DEEP');
    await expectError(await rawBeacon(`{"key":"${KEYS.ingest}","events":[}`), 400, 'bad_json');
    await expectError(await rawBeacon(`["${KEYS.ingest}"]`), 400, 'bad_request', 'key');
    // A member twice is refused as any body's is (not I-JSON), naming it.
    await expectError(await rawBeacon(`{"key":"${KEYS.ingest}","events":[],"key":"${KEYS.browser}"}`), 400, 'ERR_JCS_INVALID', 'key');
    await expectError(await rawBeacon(`{"key":"no-such-key-0000000000","events":[],"key":"${KEYS.ingest}"}`), 401, 'unauthorized');
  });

  test('the Origin is checked against the key once the body is read', async () => {
    const e = event();
    const refused = await beacon({ key: KEYS.browser, events: [e] }, { origin: 'https://evil.example' });
    await expectError(refused, 403, 'origin_not_allowed');
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
    const allowed = await beacon({ key: KEYS.browser, events: [e] }, { origin: 'https://app.example' });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  test('a body over 60 KB → 413', async () => {
    await expectError(await beacon({ key: KEYS.ingest, events: [event({ blob: 'z'.repeat(61 * 1024) })] }), 413, 'payload_too_large');
  });
});

describe('CORS on the ingest routes', () => {
  test('preflight: an origin some key allows → 204 with CORS headers; another → 403', async () => {
    const ok = await s.call('/ingest/batch', { key: null, method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-api-key');
    const no = await s.call('/ingest', { key: null, method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(no.status).toBe(403);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
  });

  test("a call from an origin the key allows gets CORS headers; a key without origins refuses cross-origin browsers", async () => {
    const ok = await s.call('/ingest', { key: KEYS.browser, json: event(), headers: { origin: 'https://app.example' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const e = event();
    await expectError(await s.call('/ingest', { key: KEYS.ingest, json: e, headers: { origin: 'https://app.example' } }), 403, 'origin_not_allowed');
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
  });

  test('a page of the server’s own public origin needs no allow-list entry', async () => {
    const response = await s.call('/ingest', { key: KEYS.ingest, json: event(), headers: { origin: s.url } });
    expect(response.status).toBe(200);
  });

  test('errors on an ingest route stay readable by an allowed origin', async () => {
    const response = await s.call('/ingest', { key: KEYS.browser, method: 'POST', body: '{', headers: { origin: 'https://app.example', 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});

describe('bodies are limited while streaming', () => {
  test('a declared Content-Length over the limit → 413 before reading', async () => {
    const status = await new Promise<number>((done, fail) => {
      const url = new URL(`${s.url}/ingest`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) } }, (res) => { res.resume(); done(res.statusCode!); });
      req.on('error', fail);
      req.write('{"event_type":'); // far less than declared: the answer must not wait for the rest
    });
    expect(status).toBe(413);
  });

  test('a chunked body without Content-Length that grows past the limit → 413 while the client is still sending', async () => {
    const result = await new Promise<{ status: number; sent: number }>((done, fail) => {
      const url = new URL(`${s.url}/ingest/batch`);
      let sent = 0;
      let stop = false;
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        stop = true;
        res.resume();
        done({ status: res.statusCode!, sent });
      });
      req.on('error', (error) => (stop ? undefined : fail(error)));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        // Bounded: at most 64 MiB, far past the 1 MiB limit.
        while (!stop && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(result.sent).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('routing and failures', () => {
  test('unknown route → 404; wrong method → 405 with Allow', async () => {
    await expectError(await s.call('/nope'), 404, 'not_found');
    const response = await s.call('/ingest', { method: 'GET' });
    expect(response.headers.get('allow')).toBe('POST, OPTIONS'); // OPTIONS: the CORS preflight, as the relay says
    await expectError(response, 405, 'method_not_allowed');
  });
});
