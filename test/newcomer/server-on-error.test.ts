// docs/server.md: createServer's `onError(error, errorId)` (default console.error) and listen's own `onError` are
// where every 500's error_id is logged. Given a logger object in place of a function (`onError: logger`, not
// `logger.error`), each report threw inside the guard that keeps a failing logger from failing a request, and
// was dropped: every internal error went unlogged, console included, while the client retried. The client and
// the AI integrations refuse an onError that is no function at construction (ERR_CONFIG naming it).
import { describe, expect, it } from 'vitest';
import { AegisLog } from '../../src/index.js';
import { createServer, listen, localSigner, memoryStore } from '../../src/server/node.js';

const logger = { error: (..._args: unknown[]) => {}, info: (..._args: unknown[]) => {} };

describe('an onError that is no function', () => {
  it('createServer: ERR_CONFIG naming onError, as the client refuses it', async () => {
    expect(() => new AegisLog({ endpoint: 'http://127.0.0.1:9', flushInterval: 0, onError: logger as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'onError' }));
    const options = { signer: await localSigner(), store: memoryStore(), origin: 'on-error.test/log', keys: [] };
    expect(() => createServer({ ...options, onError: logger as never })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'onError' }));
  });

  it('listen: ERR_CONFIG naming onError, before it listens', async () => {
    await expect(listen(async () => new Response(null), { host: '127.0.0.1', port: 0, onError: logger as never })).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'onError' });
  });
});
