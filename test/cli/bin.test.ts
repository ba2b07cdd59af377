import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode, stopChild } from '../server/child.js';
import { makeSignedLog, ndjson } from './signed-log.js';

// The real command as users run it: node bin/aegislog.mjs, which loads the BUILT
// dist/esm/cli.js (`npm test` builds first; after editing src/cli, run `npm run build`).
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/aegislog.mjs');
const VECTORS = join(ROOT, 'test/vectors/aegislog-v1');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-bin-'));

function aegislog(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/esm/cli.js'))) throw new Error('dist/esm/cli.js is missing: run `npm run build` first');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/aegislog.mjs', () => {
  it('verify: exit 0 for good evidence, 1 for tampered evidence read from stdin', async () => {
    const good = await aegislog(['verify', join(VECTORS, 'bundles/006.json'), '--key', join(VECTORS, 'key.pem')]);
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout.split('\n')[0]).toBe('✓ digest');

    const bundle = JSON.parse(readFileSync(join(VECTORS, 'bundles/006.json'), 'utf8'));
    bundle.receipt.received_at = '2026-11-26T23:59:59.999Z';
    const bad = await aegislog(['verify', '-', '--key', join(VECTORS, 'keys.json'), '--json'], JSON.stringify(bundle));
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, checks: { receipt_signature: { ok: false }, inclusion: { ok: false } } });
  });

  it('keygen --out writes the private key with mode 0600', async () => {
    const result = await aegislog(['keygen', '--out', 'k']);
    expect(result.code).toBe(0);
    expect(statSync(join(dir, 'k/private.pem')).mode & 0o777).toBe(0o600);
    const verified = await aegislog(['verify', join(VECTORS, 'bundles/000.json'), '--key', 'k/public.pem']);
    expect(verified.code).toBe(1); // another key: the signatures must not verify
  });

  it.each([
    ['garbage JSON', ['verify', 'garbage.json', '--key', join(VECTORS, 'key.pem')]],
    ['a missing file', ['verify', 'missing.json', '--key', join(VECTORS, 'key.pem')]],
    ['a bad key', ['verify', join(VECTORS, 'bundles/000.json'), '--key', 'garbage.json']],
    ['an unknown flag', ['keygen', '--colour']],
    ['an audit without --export', ['audit', '--checkpoints', 'garbage.json']],
  ])('%s: one line on stderr, exit 2, no stack trace', async (_name, args) => {
    writeFileSync(join(dir, 'garbage.json'), '{"not": json');
    const result = await aegislog(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^aegislog (verify|audit|keygen): /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('audit: exit 0 for an export against its head and chain, 1 once a receipt is dropped', async () => {
    const start = Date.UTC(2026, 10, 1);
    const log = await makeSignedLog([{ start, end: start + 3_600_000, tenants: { acme: 25, beta: 3 } }]);
    const { tenant_head, tenant_inclusion } = log.bundle(0, 'acme', 0);
    const acme = log.periods[0]!.receipts.get('acme')!;
    writeFileSync(join(dir, 'audit-key.pem'), log.key.publicPem);
    writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: [{ tenant_head, tenant_inclusion }] }));
    writeFileSync(join(dir, 'export.ndjson'), ndjson(acme));
    writeFileSync(join(dir, 'short.ndjson'), ndjson(acme.slice(0, -1)));
    const args = ['--checkpoints', 'checkpoints.json', '--key', 'audit-key.pem'];
    const good = await aegislog(['audit', '--export', 'export.ndjson', ...args]);
    expect(good).toMatchObject({ code: 0, stderr: '' }); // stderr is a pipe: no progress bar
    expect(good.stdout.trimEnd().split('\n').at(-1)).toBe('✓ audit passed: 25 receipts in 1 tenant tree');
    // The same export piped in: `-` reads the process's stdin.
    expect(await aegislog(['audit', '--export', '-', ...args], ndjson(acme))).toEqual({ code: 0, stdout: good.stdout, stderr: '' });
    const short = await aegislog(['audit', '--export', 'short.ndjson', ...args, '--json']);
    expect(short.code).toBe(1);
    expect(JSON.parse(short.stdout).groups[0].reason).toBe('the export has 24 receipts, the signed head 25: 1 missing');
  });

  it('verify, audit and history load no server, HTTP stack or SQLite: each command imports its own module only', async () => {
    // A resolve hook (in Node's loader thread) appends every URL that is resolved to a file.
    const seen = join(dir, 'resolved.txt');
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(seen)}, result.url + '\\n');
  return result;
}`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`);
    const V2 = join(ROOT, 'test/vectors/aegislog-v2');
    const runs = [
      ['verify', join(V2, 'bundles/acme-bank-p0-leaf0.json'), '--policy', join(V2, 'policy-none.txt')],
      ['audit', join(V2, 'exports/acme-bank-p0.ndjson'), '--policy', join(V2, 'policy-none.txt')],
      ['history', join(V2, 'histories/history-range.json'), '--policy', join(V2, 'policy-none.txt')],
    ];
    for (const args of runs) {
      rmSync(seen, { force: true });
      const result = await new Promise<{ code: number; stderr: string }>((done) => {
        execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, BIN, ...args], { cwd: dir, timeout: 20_000 }, (error, _stdout, stderr) => {
          done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
        });
      });
      expect(result, args[0]).toMatchObject({ code: 0, stderr: '' });
      const urls = readFileSync(seen, 'utf8').trim().split('\n');
      expect(urls.some((u) => u.includes(`/chunks/${args[0]}-`)), args[0]).toBe(true);
      const server = urls.filter((u) => /server-node|node-http|dev-|serve-|witness|better-sqlite3|\/pg\/|^node:http|undici/.test(u));
      expect(server, args[0]).toEqual([]);
    }
  });

  it('dev serves the built demo pages and /demo/config.json from the folder beside the built CLI', async () => {
    if (!existsSync(join(ROOT, 'dist/demo/chat/index.html'))) throw new Error('dist/demo is missing: run `npm run build` first');
    const dev = spawnNode(BIN, ['dev', '--port', '0', '--data', join(dir, 'dev-data')]);
    try {
      const [, url] = await dev.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const config = await fetch(`${url}/demo/config.json`);
      expect(config.status).toBe(200);
      expect(await config.json()).toMatchObject({ endpoint: url, tenant_id: 'demo' });
      expect((await fetch(`${url}/demo/chat/`)).status).toBe(200);
    } finally {
      await stopChild(dev, 'SIGTERM');
    }
  });

  it('--help on every command', async () => {
    for (const command of ['verify', 'audit', 'keygen']) {
      const result = await aegislog([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: aegislog ${command} `));
    }
  });
});
