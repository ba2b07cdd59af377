import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { limitChoices } from '../../src/cli/host.js';
import { main } from '../../src/cli/main.js';
import type { ApiKeyConfig } from '../../src/server/node.js';
import { bundle, spawnNode, stopChild } from './child.js';
import { tempDir } from './helpers.js';

function captureIO() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
}

describe('aegislog argv dispatch', () => {
  test('--help lists the commands; an unknown command or a bad option exits 2 with usage', async () => {
    const help = captureIO();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/Usage: aegislog <command>[\s\S]*\n {2}dev {2}/);
    const unknown = captureIO();
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('unknown command "frobnicate"');
    const devHelp = captureIO();
    expect(await main(['dev', '--help'], devHelp.io)).toBe(0);
    expect(devHelp.out.join('\n')).toContain('--period SECONDS');
    expect(devHelp.out.join('\n')).toContain('--readers N');
    for (const args of [['dev', '--port', 'abc'], ['dev', '--period', '0'], ['dev', '--bogus'], ['dev', '--sync', 'sometimes'], ['dev', '--readers', '65'], ['dev', '--readers', '-1'], ['dev', '--readers', 'two']]) {
      const bad = captureIO();
      expect(await main(args, bad.io)).toBe(2);
      expect(bad.err.join('\n')).toContain('Usage: aegislog dev');
    }
  });
});

describe('--key-in-flight', () => {
  test('sets limits.keyInFlight for dev and serve; 0, a fraction or a word exits 2 naming the option', async () => {
    expect(limitChoices({ 'key-in-flight': '3' }).limits).toEqual({ keyInFlight: 3 });
    expect(limitChoices({ 'key-in-flight': '8', 'rate-limit': '10' }).limits).toEqual({ keyInFlight: 8, keyRatePerSecond: 10, keyRateBurst: 50 });
    expect(limitChoices({}).limits).toEqual({});
    for (const command of ['dev', 'serve']) {
      const help = captureIO();
      expect(await main([command, '--help'], help.io)).toBe(0);
      expect(help.out.join('\n')).toContain('[--key-in-flight N]');
    }
    for (const value of ['0', '1.5', 'many', '1000001']) {
      const bad = captureIO();
      expect(await main(['dev', '--key-in-flight', value], bad.io)).toBe(2);
      expect(bad.err.join('\n')).toContain('--key-in-flight must be an integer from 1 to 1000000');
    }
  });

  test('the dev banner shows the cap it runs with', async () => {
    const temp = await tempDir();
    const lines: string[] = [];
    try {
      const dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(temp.dir, 'data'), period: 86400, ...limitChoices({ 'key-in-flight': '5' }) }, { out: (l) => void lines.push(l), err: () => {} });
      await dev.stop();
      expect(lines.join('\n')).toContain('at most 5 in flight per key');
    } finally {
      await temp.remove();
    }
  });
});

describe('serve --query-timeout and --connect-timeout', () => {
  // Checked before any file is read or any connection made: no database is needed here (serve.test.ts runs them).
  const serve = (flag: string, value: string) =>
    ['serve', '--database-url', 'postgres://127.0.0.1:1/none', '--signing-key', 'k', '--note-key', 'n', '--keys', 'f', '--origin', 'o.example/log', flag, value];

  test('help lists both; 0, a fraction, a word or too large exits 2 naming the flag', async () => {
    const help = captureIO();
    expect(await main(['serve', '--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('[--query-timeout SECONDS] [--connect-timeout SECONDS]');
    for (const [flag, max] of [['--query-timeout', 86400], ['--connect-timeout', 3600]] as const) {
      for (const value of ['0', '1.5', 'soon', String(max + 1)]) {
        const bad = captureIO();
        expect(await main(serve(flag, value), bad.io), `${flag} ${value}`).toBe(2);
        expect(bad.err.join('\n')).toContain(`${flag} must be an integer from 1 to ${max}`);
        expect(bad.err.join('\n')).toContain('Usage: aegislog serve');
      }
    }
  });
});

describe('aegislog dev as a child process', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await bundle('fixtures/cli.ts');
  });

  test('serves on 127.0.0.1 with a demo tenant kept in the data folder; SIGTERM stops it cleanly; a restart keeps keys and data', async () => {
    const temp = await tempDir();
    try {
      const data = join(temp.dir, 'data');
      const first = spawnNode(cli, ['dev', '--port', '0', '--data', data, '--period', '2']);
      const [, url] = await first.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await first.waitFor(/curl -s 'http[^\n]*\/verify/);
      const keys = JSON.parse(await readFile(join(data, 'dev-keys.json'), 'utf8')) as ApiKeyConfig[];
      expect(keys.map((k) => [k.scope, k.tenant_id])).toEqual([['ingest', 'demo'], ['read', 'demo'], ['admin', '*']]);
      expect((await stat(join(data, 'dev-keys.json'))).mode & 0o777).toBe(0o600);
      for (const k of keys) expect(first.output()).toContain(k.key);
      expect(first.output()).toContain('synchronous=full, 4 reader threads,');
      const read = keys[1]!.key;
      const receipt = (await (await fetch(`${url}/ingest`, {
        method: 'POST', headers: { 'x-api-key': read, 'content-type': 'application/json' }, body: '{"event_type":"model_inference","model_id":"gpt-4"}',
      })).json()) as { event_id: string; key_id: string; received_at: string };
      expect(receipt.key_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      first.process.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      // A seal under way at the signal (the period is 2 s) finishes and reports before "stopped".
      expect(first.output()).toMatch(/received SIGTERM, stopping\n(?:sealed \S+ \.\. \S+ \(root log size \d+\)\n)*stopped\n/);

      // Down until the receipt's period has ended by the wall clock the child reads too: the restart must seal it.
      const periodEnd = Math.floor(Date.parse(receipt.received_at) / 2000) * 2000 + 2000;
      for (let tries = 0; Date.now() < periodEnd && tries < 400; tries++) await new Promise((r) => setTimeout(r, 10));
      const second = spawnNode(cli, ['dev', '--port', '0', '--data', data, '--period', '2']);
      try {
        const [, url2] = await second.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
        expect(second.output()).toContain(receipt.key_id);
        // The receipt's period is sealed once: by the first child if it ended before that child stopped (a slow
        // machine), or else by the restart, as a period that ended while it was down.
        const at = Date.parse(receipt.received_at);
        const covers = (output: string) => [...output.matchAll(/^sealed (\S+) \.\. (\S+) \(root log size \d+\)$/gm)]
          .some(([, start, end]) => Date.parse(start!) <= at && at < Date.parse(end!));
        expect(covers(first.output()) !== covers(second.output()), `${first.output()}\n${second.output()}`).toBe(true);
        const verified = (await (await fetch(`${url2}/verify/${receipt.event_id}`, { headers: { 'x-api-key': read } })).json()) as { status: string };
        expect(verified.status).toBe('verified');
        second.process.kill('SIGINT');
        expect((await second.exited).code).toBe(0);
      } finally {
        await stopChild(second);
      }
    } finally {
      await temp.remove();
    }
  });

  test('--keys FILE uses that file and makes no demo tenant (and --readers 0 reads on the store connection)', async () => {
    const temp = await tempDir();
    try {
      const keysFile = join(temp.dir, 'keys.json');
      await writeFile(keysFile, JSON.stringify([{ key: 'my-own-secret-key-0001', tenant_id: 'bank', scope: 'read' }]), { mode: 0o600 });
      const child = spawnNode(cli, ['dev', '--port', '0', '--data', join(temp.dir, 'd'), '--keys', keysFile, '--readers', '0']);
      try {
        const [, url] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
        expect(child.output()).toContain('synchronous=full, no reader threads,');
        const response = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'x-api-key': 'my-own-secret-key-0001', 'content-type': 'application/json' }, body: '{"event_type":"x"}' });
        expect(((await response.json()) as { tenant_id: string }).tenant_id).toBe('bank');
        expect(child.output()).not.toContain('demo tenant');
      } finally {
        await stopChild(child, 'SIGTERM');
      }
    } finally {
      await temp.remove();
    }
  });
});

describe('demo pages at /demo/', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let dev: Awaited<ReturnType<typeof startDev>>;
  const lines: string[] = [];
  beforeAll(async () => {
    temp = await tempDir();
    const demo = join(temp.dir, 'demo');
    await mkdir(join(demo, 'sub'), { recursive: true });
    await mkdir(join(demo, 'auditor'), { recursive: true });
    await writeFile(join(demo, 'auditor', 'index.html'), '<!doctype html><title>auditor</title>');
    await writeFile(join(demo, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(demo, 'chat.html'), '<!doctype html><title>chat</title>');
    await writeFile(join(demo, 'app.js'), 'export const x = 1;');
    await writeFile(join(demo, 'sub', 'style.css'), 'body{}');
    await writeFile(join(temp.dir, 'secret.txt'), 'TOP SECRET');
    await symlink(join(temp.dir, 'secret.txt'), join(demo, 'link.txt'));
    dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(temp.dir, 'data'), period: 86400, demoDir: demo }, { out: (l) => void lines.push(l), err: () => {} });
  });
  afterAll(async () => {
    try {
      await dev.stop();
    } finally {
      await temp.remove();
    }
  });

  const rawGet = (path: string) =>
    new Promise<{ status: number; type: string | undefined; body: string }>((done, fail) => {
      const url = new URL(dev.url);
      httpRequest({ host: url.hostname, port: url.port, path }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => done({ status: res.statusCode!, type: res.headers['content-type'], body }));
      }).on('error', fail).end();
    });

  test('the banner lists the demo pages', () => {
    expect(lines.join('\n')).toContain(`demo pages: ${dev.url}/demo/auditor/  ${dev.url}/demo/chat.html  ${dev.url}/demo/index.html`);
  });

  test('files are served with their content types; a folder serves its index.html; /demo redirects', async () => {
    expect(await rawGet('/demo/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>demo</title>' });
    expect(await rawGet('/demo/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await rawGet('/demo/sub/style.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    expect(await rawGet('/demo/auditor/')).toMatchObject({ status: 200, body: '<!doctype html><title>auditor</title>' });
    expect((await rawGet('/demo')).status).toBe(301);
    expect((await rawGet('/demo/missing.html')).status).toBe(404);
  });

  test('no way out of the demo folder: .., encoded .., backslashes, NUL, symlinks', async () => {
    for (const path of ['/demo/../secret.txt', '/demo/%2e%2e/secret.txt', '/demo/..%2fsecret.txt', '/demo/sub/..%2f..%2fsecret.txt', '/demo/..%5csecret.txt', '/demo/app.js%00.html', '/demo/link.txt']) {
      const answer = await rawGet(path);
      expect(answer.body, path).not.toContain('TOP SECRET');
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  test('the API is served beside the pages', async () => {
    expect((await fetch(`${dev.url}/healthz`)).status).toBe(200);
  });
});
