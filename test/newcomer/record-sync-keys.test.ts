// docs/client.md: "`recordSync()` events are not queued and carry no numbers: they are delivered, or the
// caller gets the error." With `publicKeys` that cannot be read (a PEM from an environment variable whose
// line breaks came through as "\n", a path given in place of the key's text), recordSync sent the event,
// the server logged and signed it, and only then the key failed to load: the caller got ERR_KEY_INVALID (or
// ERR_BASE64URL) for an event that was delivered, and a caller who retries logs it again under a new event_id.
import { describe, expect, it } from 'vitest';
import { AegisLog } from '../../src/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

const KEY = 'ak_read_record_sync_keys_0';

describe('recordSync with pinned keys that cannot be read', () => {
  it.each([
    ['a PEM whose line breaks are the two characters \\n', '-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\\n-----END PUBLIC KEY-----'],
    ['a file path in place of the key', './aegislog-public.pem'],
  ])('%s: refused before the event is sent', async (_what, publicKeys) => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'docs.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'read' }], onError: () => {} });
    await server.ready;
    let posted = 0;
    const fetch = (url: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST') posted++;
      return server(new Request(url, init));
    };
    const log = new AegisLog({ endpoint: 'https://api.example', tenantId: 'acme', apiKey: KEY, flushInterval: 0, publicKeys, fetch });
    const error = await log.recordSync('loan_decision', { outcome: 'approved' }, { event_id: 'evt-keys-1' }).catch((e: unknown) => e);
    await log.close();
    // What importPublicKey throws for it (docs/verify.md: ERR_KEY_INVALID, or ERR_BASE64URL for broken text).
    expect(error).toMatchObject({ name: 'AegisLogError', code: expect.stringMatching(/^ERR_(KEY_INVALID|BASE64URL)$/) });
    expect(posted).toBe(0);
    const reader = new AegisLog({ endpoint: 'https://api.example', tenantId: 'acme', apiKey: KEY, flushInterval: 0, fetch });
    expect(await reader.verify('evt-keys-1')).toMatchObject({ status: 'not_found' });
    await reader.close();
    await server.settled();
  });
});
