// `aegislog history` on a history whose first entry carries a consistency proof (PROTOCOL.md §6.3: "absent on
// the first entry"): a history that fails its consistency check (exit 1), not unusable input (exit 2), and
// not a pass (exit 0, what it gave before).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/cli/history.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const ARGS = ['--policy', join(V, 'policy-none.txt'), '--now', '2026-12-31T00:00:00.000Z'];
const dir = mkdtempSync(join(tmpdir(), 'aegislog-history-first-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog history: a consistency proof on the first entry', () => {
  it('fails the consistency check: exit 1, the reason on its line', async () => {
    const history = JSON.parse(readFileSync(join(V, 'histories/history-range.json'), 'utf8'));
    history.checkpoints[0].consistency_b64url = history.checkpoints[1].consistency_b64url;
    const path = join(dir, 'first-proof.json');
    writeFileSync(path, JSON.stringify(history));
    const io = fakeIO();
    const code = await historyCommand.run([path, ...ARGS], io);
    expect(io.stderr).toEqual([]);
    expect(io.stdout).toContain('✗ consistency: #0: the first entry has no entry before it: consistency_b64url must be absent');
    expect(io.stdout.at(-1)).toBe('✗ history failed: consistency: #0: the first entry has no entry before it: consistency_b64url must be absent');
    expect(code).toBe(1);
  });
});
