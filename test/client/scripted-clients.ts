// Clients of one test file that talk to a scripted fetch (the reference server's handler in-process, or a fetch that
// answers as a proxy might): no timer, fast retries, errors kept quiet, each closed after its test.
import { afterEach } from 'vitest';
import { AegisLog, type AegisLogOptions, type FetchLike } from './exports.js';
import { FAST_RETRY, INGEST_KEY, TENANT } from './helpers.js';

export const ENDPOINT = 'https://aegislog.test';

/**
 * The file's client maker. `closeMayFail`: a test that leaves a client whose close() rejects (a store that cannot
 * write) is not failed by it; without it, a close() that rejects fails the test that left the client.
 */
export function scriptedClients({ closeMayFail = false } = {}): (fetch: FetchLike, options?: Partial<AegisLogOptions>) => AegisLog {
  const open: AegisLog[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((log) => (closeMayFail ? log.close().catch(() => {}) : log.close())));
  });
  return (fetch, options = {}) => {
    const log = new AegisLog({ endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, retry: FAST_RETRY, fetch, onError: () => {}, ...options });
    open.push(log);
    return log;
  };
}
