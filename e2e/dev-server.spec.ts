// What `npm start` gives: the built `aegislog dev` as a child process, serving
// the API and both demo pages from one origin. The chat page gets its endpoint
// and ingest key from /demo/config.json; the auditor warns that a JWKS from
// that same origin proves nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/static-server.js';
import { expect, test } from './support/fixtures.js';

async function startDev(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'aegislog.mjs'), 'dev', '--port', '0', '--data', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aegislog dev did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`aegislog dev exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

test('npm start: the chat demo records through aegislog dev, and the auditor flags its own-origin JWKS', async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-dev-'));
  const { child, url } = await startDev(dataDir);
  try {
    const config = (await (await fetch(`${url}/demo/config.json`)).json()) as Record<string, string>;
    expect(config).toEqual({ endpoint: url, tenant_id: 'demo', ingest_key: expect.stringMatching(/^ak_ingest_/) });

    await page.goto(`${url}/demo/chat/`);
    await expect(page.locator('#conn-status')).toContainText('Tenant demo');
    await page.getByLabel('Your message').fill('How do refunds work?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Flush now' }).click();
    await expect(page.locator('#receipts tr[data-event]')).toHaveCount(1);

    await page.goto(`${url}/demo/auditor/`);
    await page.getByText('Load a JWKS from a URL instead').click();
    await page.getByLabel('JWKS URL').fill(`${url}/.well-known/aegislog/keys.json`);
    await page.getByRole('button', { name: 'Fetch JWKS' }).click();
    await expect(page.locator('#key-message')).toContainText('the server that produced the evidence');
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
