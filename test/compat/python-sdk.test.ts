import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { EvidenceBundle } from '../../src/protocol/index.js';
import type { ApiKeyConfig } from '../../src/server/node.js';
import { localSigner } from '../../src/server/node.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems } from '../support/v2-check.js';
import { bundle, spawnNode, stopChild } from '../server/child.js';
import { tempDir } from '../server/helpers.js';

/**
 * The original Python SDK's wire format (shared/seed/python-sdk-README.md) against a real
 * `aegislog dev`: python_sdk.py beside this file sends what the SDK sends, byte for byte as its
 * `json.dumps` writes it, through urllib as the SDK does, and reads the answers as the SDK reads
 * them. Each case prints one JSON line; every one must pass. CI (.ci/run) installs no Python: the
 * test is skipped, saying so, only where python3 is absent.
 */
const SCRIPT = join(import.meta.dirname, 'python_sdk.py');
const python = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 9))'], { encoding: 'utf8' });
const hasPython = python.status === 0 && python.stdout.trim() === 'True';
if (!hasPython) console.warn('test/compat/python-sdk.test.ts skipped: no python3 (3.9 or later) on PATH to run the Python SDK\'s wire format');

interface Case {
  case: string;
  ok: boolean;
  event_id?: string;
  [detail: string]: unknown;
}

function runPython(args: string[]): Promise<{ code: number | null; lines: Case[]; output: string }> {
  const child = spawn('python3', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  return new Promise((done) =>
    child.once('exit', (code) => {
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Case);
      done({ code, lines, output: `${out}${err}` });
    }),
  );
}

test.skipIf(!hasPython)('the Python SDK’s record_sync, record, verify against aegislog dev: accepted, refused with a 4xx it reads, evidence that verifies', async () => {
  const temp = await tempDir();
  const data = join(temp.dir, 'data');
  const child = spawnNode(await bundle('fixtures/cli.ts'), ['dev', '--port', '0', '--data', data]);
  try {
    const [, url] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const keys = JSON.parse(await readFile(join(data, 'dev-keys.json'), 'utf8')) as ApiKeyConfig[];
    const key = (scope: string) => keys.find((k) => k.scope === scope)!.key;
    const run = await runPython([url!, key('read'), key('admin'), 'demo']);
    const failed = run.lines.filter((l) => !l.ok);
    expect(failed, run.output).toEqual([]);
    expect(run.code, run.output).toBe(0);
    // The cases this test leans on ran (a script that stopped early would show fewer failures, not none).
    const names = run.lines.map((l) => l.case);
    expect(names).toEqual(expect.arrayContaining(['ensure_ascii escapes', 'python floats', 'NaN (allow_nan=True writes it)', '8 MiB event: 413, not a broken pipe', 'record() then flush()', 'verify() after the seal: readme full compliance']));

    // Each event the script saw verified is also evidence an auditor verifies offline, against the pinned receipt key.
    const sealed = run.lines.filter((l) => l.case.startsWith('verify() after the seal'));
    expect(sealed.length).toBeGreaterThanOrEqual(10);
    const vkeys = (await (await fetch(`${url}/.well-known/aegislog/vkeys`)).text()).trim().split('\n');
    const trust = { receiptKeys: await importPublicKey(await (await localSigner({ dir: data })).publicJwk()), vkeys };
    for (const { event_id } of sealed) {
      const evidence = (await (await fetch(`${url}/evidence/${event_id}?tenant_id=demo`, { headers: { 'x-api-key': key('read') } })).json()) as EvidenceBundle;
      expect(evidence.status).toBe('sealed');
      expect(await bundleProblems(evidence, trust), event_id).toEqual([]);
    }
  } finally {
    await stopChild(child);
    await temp.remove();
  }
}, 120_000);
