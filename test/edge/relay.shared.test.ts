import { describe, expect, it } from 'vitest';
import { createRelay, type RelayOptions } from '../../src/edge/index.js';
import { subnet64 } from '../../src/edge/rate-limit.js';
import { event, recordingUpstream } from './upstream.js';

const APP = 'https://app.example.com';
const SECRET = 'sk_read_secret';

function setup(options: Partial<RelayOptions> = {}, answer?: Parameters<typeof recordingUpstream>[0]) {
  const upstream = recordingUpstream(answer);
  const relay = createRelay({ endpoint: 'https://api.example.com/', apiKey: SECRET, allowedOrigins: [APP], fetch: upstream.fetch, ...options });
  return { relay, seen: upstream.seen };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`https://relay.example.com/aegislog${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: APP, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('relay: forwarding', () => {
  it('forwards a batch to /ingest/batch with its own key, never the browser key or Origin', async () => {
    const { relay, seen } = setup();
    const events = [event(), event()];
    const res = await relay(post('/ingest/batch', { events }, { 'x-api-key': 'pk_browser', authorization: 'Bearer pk_browser' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(await res.json()).toEqual({ receipts: events.map((e) => ({ ok: true, event_id: e.event_id })), errors: [] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://api.example.com/ingest/batch');
    expect(seen[0]!.headers.get('x-api-key')).toBe(SECRET);
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(seen[0]!.headers.get('origin')).toBeNull();
    // The events arrive unchanged: the client's digest covers every field.
    expect(seen[0]!.body).toEqual({ events });
  });

  it('forwards a single /ingest to /ingest and passes its receipt back', async () => {
    const { relay, seen } = setup();
    const e = event();
    const res = await relay(post('/ingest', e));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, event_id: e.event_id });
    expect(seen[0]!.url).toBe('https://api.example.com/ingest');
    expect(seen[0]!.body).toEqual(e);
  });

  it('takes a text/plain beacon, drops its key, forwards the events as a batch and answers 204', async () => {
    const { relay, seen } = setup();
    const events = [event()];
    const res = await relay(post('/beacon', { key: 'pk_browser', events }, { 'content-type': 'text/plain;charset=UTF-8' }));
    expect(res.status).toBe(204);
    expect(seen[0]!.url).toBe('https://api.example.com/ingest/batch');
    expect(seen[0]!.body).toEqual({ events });
    expect(JSON.stringify(seen[0]!.body)).not.toContain('pk_browser');
  });

  it('splits a body over 1 MiB (a maxBodyBytes of its own) into requests the server takes and keeps the caller numbering of errors', async () => {
    // The upstream refuses every other event, numbered within its request.
    const { relay, seen } = setup({ maxBodyBytes: 4 * 1024 * 1024 }, (s) => {
      const events = s.body.events as { event_id: string }[];
      const errors = events.flatMap((e, index) => (index % 2 ? [{ index, event_id: e.event_id, code: 'conflict', message: 'x' }] : []));
      const receipts = events.filter((_, index) => !(index % 2)).map((e) => ({ event_id: e.event_id }));
      return Response.json({ receipts, errors });
    });
    const events = Array.from({ length: 7 }, () => event({ text: 'x'.repeat(300_000) }));
    const res = await relay(post('/ingest/batch', { events }));
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.body.events.length)).toEqual([3, 3, 1]);
    const body = (await res.json()) as { receipts: unknown[]; errors: { index: number; event_id: string }[] };
    expect(body.receipts.length + body.errors.length).toBe(7);
    expect(body.errors.map((e) => e.index)).toEqual([1, 4]);
    for (const error of body.errors) expect(events[error.index]!.event_id).toBe(error.event_id);
  });

  it('splits by size too, counted in UTF-8 bytes: no upstream body over 1 MiB', async () => {
    const { relay, seen } = setup({ maxBodyBytes: 4 * 1024 * 1024 });
    // 300,000 bytes each but 150,000 UTF-16 units: six would fit in 1 MiB if sizes were counted in units.
    const events = Array.from({ length: 6 }, () => event({ text: 'é'.repeat(150_000) }));
    expect((await relay(post('/ingest/batch', { events }))).status).toBe(200);
    expect(seen.length).toBeGreaterThan(1);
    for (const s of seen) expect(new TextEncoder().encode(JSON.stringify(s.body)).length).toBeLessThanOrEqual(1024 * 1024);
    expect(seen.flatMap((s) => s.body.events.map((e: any) => e.event_id))).toEqual(events.map((e) => e.event_id));
  });
});

describe('relay: bad input is refused before anything is forwarded', () => {
  it.each([
    ['model_context without model_version', event({ model_context: { model_id: 'm' } }), 'model_context.model_version'],
    ['a reserved name as a payload key', event({ digest_b64url: 'forged' }), 'digest_b64url'],
    ['confidence_score outside [0, 1]', event({ performance_metrics: { confidence_score: 2 } }), 'performance_metrics.confidence_score'],
    ['an event_id outside its alphabet', event({ event_id: 'a/b' }), 'event_id'],
  ])('/ingest: %s -> 400 naming the field', async (_, bad, field) => {
    const { relay, seen } = setup();
    const res = await relay(post('/ingest', bad));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error.field).toBe(field);
    expect(body.error.message).toContain(field);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(seen).toHaveLength(0);
  });

  it('a batch forwards its good events and names the bad by index and field', async () => {
    const { relay, seen } = setup();
    const good = event();
    const res = await relay(post('/ingest/batch', { events: [event({ model_context: { model_id: 'm' } }), good] }));
    expect(res.status).toBe(200);
    expect(seen[0]!.body.events).toEqual([good]);
    const body = (await res.json()) as { errors: { index: number; field: string; code: string }[] };
    // The field as the server names it in a batch: within the event; `index` says which event.
    expect(body.errors).toEqual([expect.objectContaining({ index: 0, field: 'model_context.model_version', code: 'ERR_SCHEMA_INVALID' })]);
  });

  it('a batch with no good event is answered 200 with every event in errors, as the server does; nothing is forwarded', async () => {
    const { relay, seen } = setup();
    const res = await relay(post('/ingest/batch', { events: [event({ tenant_id: 7 }), event({ event_type: '' })] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { receipts: unknown[]; errors: { index: number; field: string }[] };
    expect(body.receipts).toEqual([]);
    expect(body.errors.map((e) => [e.index, e.field])).toEqual([[0, 'tenant_id'], [1, 'event_type']]);
    expect(seen).toHaveLength(0);
  });

  it('an empty events array is an empty answer, forwarded nowhere', async () => {
    const { relay, seen } = setup();
    const res = await relay(post('/ingest/batch', { events: [] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ receipts: [], errors: [] });
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"events": [', 'bad_json', undefined],
    ['no events array', { event: {} }, 'bad_request', 'events'],
  ])('/ingest/batch: %s -> 400', async (_, body, code, field) => {
    const { relay, seen } = setup();
    const res = await relay(post('/ingest/batch', body));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: string; field?: string } };
    expect(answer.error.code).toBe(code);
    expect(answer.error.field).toBe(field);
    expect(seen).toHaveLength(0);
  });

  it('a body that is not UTF-8 is bad JSON, not repaired', async () => {
    const { relay, seen } = setup();
    // A string with a stray 0xff byte: repaired to U+FFFD it would be valid JSON.
    const res = await relay(new Request('https://relay.example.com/ingest/batch', { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: new Uint8Array([0x22, 0xff, 0x22]) }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'bad_json', message: 'body is not valid UTF-8' } });
    expect(seen).toHaveLength(0);
  });

  it('stops reading a body at maxBodyBytes while it streams (no Content-Length) and answers 413', async () => {
    const { relay, seen } = setup({ maxBodyBytes: 64 * 1024 });
    let pulled = 0;
    let cancelled = false;
    // An endless upload: only a limit enforced while streaming ends it.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = new Request('https://relay.example.com/ingest/batch', { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    const res = await relay(req);
    expect(res.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(16);
    expect(seen).toHaveLength(0);
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const { relay } = setup({ maxBodyBytes: 10 });
    const res = await relay(post('/ingest', event()));
    expect(res.status).toBe(413);
    // The server's code for it: the client splits the batch and sends again.
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('404 for other paths, 405 for other methods; 403 for the read routes, whose 404 would say "no such event"', async () => {
    const { relay } = setup();
    expect((await relay(post('/export', {}))).status).toBe(404);
    for (const path of ['/verify/x?tenant_id=acme', '/aegislog/evidence/x']) {
      const read = await relay(new Request(`https://relay.example.com${path}`, { headers: { origin: APP } }));
      expect(read.status, path).toBe(403);
      expect(await read.json()).toEqual({ error: { code: 'forbidden', message: 'the relay serves the ingest routes only: verify against the AegisLog server, with a read key' } });
      expect(read.headers.get('access-control-allow-origin')).toBe(APP);
    }
    const get = await relay(new Request('https://relay.example.com/ingest', { headers: { origin: APP } }));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('relay: CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const { relay } = setup();
    const res = await relay(
      new Request('https://relay.example.com/aegislog/ingest/batch', {
        method: 'OPTIONS',
        headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(res.headers.get('vary')).toContain('origin');
  });

  it('refuses other origins, in preflight and in POST, and forwards nothing', async () => {
    const { relay, seen } = setup();
    const preflight = await relay(new Request('https://relay.example.com/ingest', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }));
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await relay(post('/ingest/batch', { events: [event()] }, { origin: 'https://evil.example' }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    expect(seen).toHaveLength(0);
  });

  it('normalises listed origins (a trailing slash, blanks) and refuses what is not an origin, wildcards included', async () => {
    const { relay } = setup({ allowedOrigins: [' https://app.example.com/ ', ''] });
    expect((await relay(post('/ingest', event()))).status).toBe(200);
    for (const bad of ['*', 'app.example.com', 'file:///x', 'https://*.example.com']) {
      expect(() => createRelay({ endpoint: 'https://a', apiKey: 'k', allowedOrigins: ['https://ok.example', bad] })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG', field: 'allowedOrigins[1]' }),
      );
    }
  });

  it('allows its own origin only when listed (never judged from the Host), and requests with no Origin (not from a browser page)', async () => {
    const { relay, seen } = setup({ allowedOrigins: [] });
    expect((await relay(post('/ingest', event(), { origin: 'https://relay.example.com' }))).status).toBe(403);
    const listed = setup({ allowedOrigins: ['https://relay.example.com'] });
    expect((await listed.relay(post('/ingest', event(), { origin: 'https://relay.example.com' }))).status).toBe(200);
    const none = post('/ingest', event());
    none.headers.delete('origin');
    const res = await relay(none);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(seen).toHaveLength(1);
  });
});

describe('relay: upstream faults keep the browser retrying', () => {
  it('passes 503 and 429 through with Retry-After', async () => {
    for (const status of [503, 429]) {
      const { relay } = setup({}, () => new Response('{"error":{"code":"busy","message":"later"}}', { status, headers: { 'retry-after': '7', 'content-type': 'application/json' } }));
      const res = await relay(post('/ingest/batch', { events: [event()] }));
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
    }
  });

  it('turns a refused relay key (401, or 403 naming no field) into 502, so the browser does not drop the events', async () => {
    const { relay } = setup({}, () => Response.json({ error: { code: 'unauthorized', message: 'no' } }, { status: 401 }));
    const res = await relay(post('/ingest/batch', { events: [event()] }));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_refused_key');
  });

  it('turns what the ingest routes never answer about an event (404, 405, a redirect) into 502, and never follows a redirect', async () => {
    for (const status of [404, 405, 301, 308]) {
      const { relay, seen } = setup({}, () =>
        Response.json({ error: { code: 'not_found', message: 'no route /v1/ingest/batch' } }, { status, headers: status < 400 ? { location: 'https://elsewhere.example/x' } : {} }),
      );
      for (const request of [post('/ingest/batch', { events: [event()] }), post('/ingest', event())]) {
        const res = await relay(request);
        expect(res.status).toBe(502);
        const text = await res.text();
        expect(JSON.parse(text).error.code).toBe('bad_gateway');
        expect(text).not.toContain('/v1');
      }
      expect(seen).toHaveLength(2);
    }
    const inits: (RequestInit | undefined)[] = [];
    const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: SECRET, allowedOrigins: [APP], fetch: async (_, init) => (inits.push(init), Response.json({ ok: true })) });
    await relay(post('/ingest', event()));
    expect(inits[0]?.redirect).toBe('manual');
  });

  it("does not pass on an error page that is not in the API's words (it may name the upstream host): status and Retry-After kept, the relay's words", async () => {
    const page = '<html><body>aegislog-internal.corp.example:8443 | 522: Connection timed out</body></html>';
    for (const [status, code] of [[522, 'unavailable'], [503, 'unavailable'], [429, 'rate_limited'], [400, 'bad_gateway'], [409, 'bad_gateway']] as const) {
      const { relay } = setup({}, () => new Response(page, { status, headers: { 'content-type': 'text/html', 'retry-after': '9' } }));
      for (const request of [post('/ingest/batch', { events: [event()] }), post('/ingest', event())]) {
        const res = await relay(request);
        const text = await res.text();
        expect(text).not.toContain('aegislog-internal');
        expect(res.headers.get('content-type')).toContain('application/json');
        expect({ status: res.status, code: JSON.parse(text).error.code }).toEqual({ status: code === 'bad_gateway' ? 502 : status, code });
        if (code !== 'bad_gateway') expect(res.headers.get('retry-after')).toBe('9');
      }
    }
  });

  it('answers 502 when the upstream cannot be reached, 504 when it times out', async () => {
    const down = createRelay({ endpoint: 'https://api.example.com', apiKey: SECRET, allowedOrigins: [APP], fetch: () => Promise.reject(new TypeError('fetch failed')) });
    expect((await down(post('/ingest/batch', { events: [event()] }))).status).toBe(502);
    const slow = createRelay({
      endpoint: 'https://api.example.com',
      apiKey: SECRET,
      allowedOrigins: [APP],
      timeout: 50,
      fetch: (_, init) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))),
    });
    const res = await slow(post('/ingest', event()));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('gateway_timeout');
  });
});

describe('relay: rate limit', () => {
  it('a token bucket per client IP answers 429 with Retry-After, refills with time, and keeps clients apart', async () => {
    let now = 1_000_000;
    const { relay, seen } = setup({ rateLimit: { burst: 2, perSecond: 0.5 }, now: () => now });
    // As Cloudflare gives it to a Worker: the header, and `request.cf`.
    const from = (ip: string) => Object.defineProperty(post('/ingest', event(), { 'cf-connecting-ip': ip }), 'cf', { value: { colo: 'AMS' } });
    expect((await relay(from('10.0.0.1'))).status).toBe(200);
    expect((await relay(from('10.0.0.1'))).status).toBe(200);
    const limited = await relay(from('10.0.0.1'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('access-control-allow-origin')).toBe(APP);
    expect((await relay(from('10.0.0.2'))).status).toBe(200);
    now += 2_000;
    expect((await relay(from('10.0.0.1'))).status).toBe(200);
    expect((await relay(from('10.0.0.1'))).status).toBe(429);
    expect(seen).toHaveLength(4);
  });

  it('falls back to x-forwarded-for (Vercel), then to the Origin', async () => {
    const { relay } = setup({ rateLimit: { burst: 1, perSecond: 0.001 } });
    expect((await relay(post('/ingest', event(), { 'x-forwarded-for': '1.1.1.1, 10.0.0.9' }))).status).toBe(200);
    expect((await relay(post('/ingest', event(), { 'x-forwarded-for': '1.1.1.1, 10.0.0.8' }))).status).toBe(429);
    expect((await relay(post('/ingest', event()))).status).toBe(200);
    expect((await relay(post('/ingest', event()))).status).toBe(429);
  });

  it('cf-connecting-ip off Cloudflare (no request.cf) is the client\'s own word: ignored, x-real-ip keys the bucket', async () => {
    const { relay } = setup({ rateLimit: { burst: 2, perSecond: 0.001 } });
    // One client on Vercel (which sets x-real-ip itself) sending a new cf-connecting-ip each time.
    const spoofed = (i: number) => post('/ingest', event(), { 'x-real-ip': '198.51.100.7', 'cf-connecting-ip': `10.9.0.${i}` });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await relay(spoofed(i))).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
  });

  it('a clock that steps back (an NTP correction on a Node or Vercel host) costs no client its tokens', async () => {
    let now = 1_000_000_000;
    const { relay } = setup({ rateLimit: { burst: 3, perSecond: 1 }, now: () => now });
    const from = () => post('/ingest', event(), { 'x-real-ip': '198.51.100.7' });
    expect((await relay(from())).status).toBe(200);
    now -= 3_600_000;
    // Two tokens left: an hour counted backwards used to take 3,600 of them, a 429 with Retry-After 3600.
    expect((await relay(from())).status).toBe(200);
    expect((await relay(from())).status).toBe(200);
    const limited = await relay(from());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('keys longer than any IP or origin (a header a client made up) share one bucket: they neither dodge the limit nor fill memory', async () => {
    const { relay } = setup({ rateLimit: { burst: 2, perSecond: 0.001 } });
    // On a host that sets no IP header, x-forwarded-for is the client's own word, and it may write anything there.
    const made = (i: number) => post('/ingest', event(), { 'x-forwarded-for': `${String(i).padStart(4, '0')}${'x'.repeat(16_000)}` });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await relay(made(i))).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    // An ordinary client keeps a bucket of its own.
    expect((await relay(post('/ingest', event(), { 'x-real-ip': '198.51.100.7' }))).status).toBe(200);
  });

  it('keys an IPv6 address by its /64 however it is written, an IPv4-mapped one by its IPv4 address', () => {
    const cases: [string, string | undefined][] = [
      ['2001:0DB8:00AA:00BB:1:2:3:4', '2001:db8:aa:bb::/64'],
      ['[2001:db8::1]:443', '2001:db8:0:0::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
      ['2001:db8:1:2:3:4:5::', '2001:db8:1:2::/64'],
      ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['192.0.2.1', undefined],
      ['1::2::3', undefined],
      ['2001:db8:1:2:3:4:5:6:7', undefined],
    ];
    for (const [ip, key] of cases) expect([ip, subnet64(ip)]).toEqual([ip, key]);
  });

  it('refuses a rate limit that could never pass, or would never limit, with ERR_CONFIG naming the option', () => {
    const make = (rateLimit: unknown) => () => createRelay({ endpoint: 'https://a', apiKey: 'k', allowedOrigins: [], rateLimit: rateLimit as RelayOptions['rateLimit'] });
    expect(make({ burst: 0, perSecond: 1 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'rateLimit.burst' }));
    expect(make({ burst: 5, perSecond: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'rateLimit.perSecond' }));
    expect(make({ burst: 5, perSecond: 1, maxClients: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'rateLimit.maxClients' }));
    expect(make({ burst: 5, perSecond: 1, maxClients: 0 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'rateLimit.maxClients' }));
  });
});

describe('relay: options', () => {
  // Number(process.env.X) of an unset variable is NaN, and every comparison with NaN is false.
  it('refuses a maxBodyBytes that is not a whole number ≥ 1: NaN would read bodies of any size', async () => {
    for (const maxBodyBytes of [Number.NaN, 0, -1, 1.5, Infinity]) {
      expect(() => setup({ maxBodyBytes })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'maxBodyBytes' }));
    }
    expect(() => setup({ maxBodyBytes: 1000 })).not.toThrow();
  });

  it('refuses a timeout that is not a number of ms ≥ 1: each forward would fail and the browser retry without end', () => {
    for (const timeout of [Number.NaN, 0, -5, Infinity]) {
      expect(() => setup({ timeout })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'timeout' }));
    }
  });

  it('refuses allowedOrigins that is not an array of strings (an env var not split) with ERR_CONFIG, not a TypeError', () => {
    for (const allowedOrigins of ['https://app.example.com,https://b.example.com', undefined, [APP, 7]]) {
      expect(() => setup({ allowedOrigins: allowedOrigins as unknown as string[] })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: expect.stringMatching(/^allowedOrigins/) }));
    }
  });

  it('refuses an endpoint that is not an http(s) URL, as the client does', () => {
    for (const endpoint of ['api.example.com', 'ftp://api.example.com', 'https://', '/aegislog']) {
      expect(() => setup({ endpoint })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint' }));
    }
    expect(() => setup({ endpoint: 'http://127.0.0.1:8080/log/' })).not.toThrow();
  });

  // Found in review: each was taken, then every forward failed (fetch refuses a URL with credentials; a query or a
  // fragment swallows the route appended to it), and every event was answered 502 or dead-lettered.
  it('refuses an endpoint with credentials, a query or a fragment, naming what to do instead', () => {
    expect(() => setup({ endpoint: 'https://user:secret@api.example.com' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: expect.stringMatching(/^endpoint must not carry credentials, a query or a fragment/) }),
    );
    for (const endpoint of ['https://api.example.com/log?tenant=acme', 'https://api.example.com/log#x', 'https://user@api.example.com']) {
      expect(() => setup({ endpoint })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint' }));
    }
  });
});
