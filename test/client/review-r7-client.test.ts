// Faults of the recording client found in review (2026-12-07), each against the reference server over real HTTP on
// 127.0.0.1 (SQLite on disk) or in-process, with a memory queue whose writes fail while a test says so.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AegisLog, type AegisLogOptions } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, storedIds } from './helpers.js';
import { startServer, type RealServer } from './node-server.js';

let server: RealServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

const open: AegisLog[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

function client(options: Partial<AegisLogOptions> = {}): AegisLog {
  const log = new AegisLog({ endpoint: server.url, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, retry: FAST_RETRY, onError: () => {}, ...options });
  open.push(log);
  return log;
}

describe('options that no request can carry are refused at construction', () => {
  // Taken, then every request failed inside fetch (a header value is Latin-1, without CR, LF or NUL): each flush
  // reported ERR_NETWORK, as if the link were down, and the events stayed queued for ever.
  it.each([
    ['a character beyond Latin-1 (a typographic apostrophe pasted with it)', 'ingest-key\u2019client-tests-0001'],
    ['a line break inside it', 'ingest-key\nclient-tests-0001'],
  ])('an apiKey with %s is ERR_CONFIG naming apiKey, not a network error at every flush', (_why, apiKey) => {
    expect(() => new AegisLog({ endpoint: 'http://127.0.0.1:8787', apiKey, flushInterval: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'apiKey', message: expect.stringMatching(/^apiKey /) }),
    );
  });

  // Taken too, then fetch threw "Invalid URL" at every request, reported as ERR_NETWORK: a port typo kept every event queued.
  it.each([
    ['a port beyond 65535', 'http://127.0.0.1:87870', '(got "http://127.0.0.1:87870")'],
    ['a space in the host', 'https://log example.com', '(got "https://log example.com")'],
    ['an IPv6 host not closed', 'http://[::1:8787', '(got "http://[::1:8787")'],
  ])('an endpoint with %s is ERR_CONFIG naming endpoint, as one without its scheme', (_why, endpoint, got) => {
    expect(() => new AegisLog({ endpoint, flushInterval: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: `endpoint must be an http(s) URL, such as http://127.0.0.1:8787 ${got}` }),
    );
  });

  it('an apiKey read from a file with its final line break still delivers (fetch drops the spaces at its ends)', async () => {
    const log = client({ apiKey: `${INGEST_KEY}\n` });
    const id = log.record('from_a_key_file', {});
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
    expect(await storedIds((url, init) => fetch(url, init), server.url)).toContain(id);
  });
});
