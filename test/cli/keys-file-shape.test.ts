// `aegislog dev --keys FILE` whose JSON is not a list of API keys ({}, [null], a key too short): the server refused it
// only once it was being made, and the command exited 1, as if the server had failed, where an unreadable or non-JSON
// keys file is unusable input (exit 2). The keys file is now checked where it is read: exit 2, naming the file.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-keys-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog dev --keys FILE that holds no list of API keys', () => {
  it.each([
    ['{}', 'keys must be an array of {key, tenant_id, scope, origins?}'],
    ['[null]', 'keys[0] is not an object'],
    ['[{"key":"short","tenant_id":"t","scope":"ingest"}]', 'keys[0].key must be a string of at least 16 characters'],
  ])('%s: exit 2, one line naming the file and the fault', async (content, fault) => {
    const file = join(dir, `keys-${content.length}.json`);
    writeFileSync(file, content);
    chmodSync(file, 0o600);
    const io = fakeIO();
    const code = await main(['dev', '--data', join(dir, `data-${content.length}`), '--port', '0', '--keys', file], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog dev: the keys file ${file}: ${fault}`);
    expect(code).toBe(2);
  });
});
