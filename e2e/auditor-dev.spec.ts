// Version 2 end to end against the built `aegislog dev` as a child process: events
// recorded over HTTP, two seals, then what an auditor saves (bundles, the export with
// its events, the checkpoint history, the log's vkeys as a policy) is checked by the
// auditor page that the same process serves, and by the built CLI (`aegislog verify`,
// `audit`, `history`), which exit 0 on it and 1 on a tampered copy.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/static-server.js';
import { expect, test } from './support/fixtures.js';
import { BIN, startDev } from './support/dev-process.js';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
}

test('aegislog dev: its v2 evidence verifies in the auditor page it serves and with the CLI', async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-dev-v2-'));
  const dev = await startDev(dataDir);
  const { url } = dev;
  try {
    const keys = JSON.parse(await readFile(join(dataDir, 'dev-keys.json'), 'utf8')) as { key: string; scope: string }[];
    const key = (scope: string) => keys.find((k) => k.scope === scope)!.key;
    const call = async (path: string, init: RequestInit & { key?: string } = {}) => {
      const response = await fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': init.key ?? key('read'), ...init.headers } });
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
      return response;
    };
    const ids: string[] = [];
    for (const [round, count] of [[0, 4], [1, 3]] as const) {
      const events = Array.from({ length: count }, (_, i) => ({
        event_type: 'model_inference', event_id: `dev-${round}-${i}`, model_context: { model_id: 'm', model_version: '1' }, client_id: 'dev-client', client_seq: round * 10 + i + 1,
      }));
      ids.push(...events.map((e) => e.event_id));
      await call('/ingest/batch', { method: 'POST', key: key('ingest'), body: JSON.stringify({ events }) });
      await call('/admin/seal', { method: 'POST', key: key('admin') });
    }
    const bundles = await Promise.all(ids.map(async (id) => (await call(`/evidence/${id}?tenant_id=demo`)).json()));
    const periodStart = (bundles[0] as { tenant_head: { period_start: string } }).tenant_head.period_start;
    const exportText = await (await call(`/export?tenant_id=demo&period_start=${encodeURIComponent(periodStart)}&events=true`)).text();
    const history = await (await call('/checkpoints')).text();
    const vkeys = await (await call('/.well-known/aegislog/vkeys')).text();
    const policy = `${vkeys.trim().split('\n').map((v) => `log ${v}`).join('\n')}\nquorum none\n`;

    // The CLI on the saved files.
    const files = {
      bundles: join(dataDir, 'bundles.json'), export: join(dataDir, 'export.ndjson'), history: join(dataDir, 'history.json'), policy: join(dataDir, 'policy.txt'),
      tampered: join(dataDir, 'tampered.json'),
    };
    await writeFile(files.bundles, JSON.stringify(bundles));
    await writeFile(files.export, exportText);
    await writeFile(files.history, history);
    await writeFile(files.policy, policy);
    const verified = cli('verify', files.bundles, '--policy', files.policy);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`${ids.length} bundles: ${ids.length} passed, 0 failed`);
    const audited = cli('audit', files.export, '--policy', files.policy, '--signatures');
    expect(audited.status, audited.stdout + audited.stderr).toBe(0);
    expect(audited.stdout).toMatch(/✓ audit passed: demo \S+ to \S+: 4 receipts, entries \[0, 4\) of the tenant log/);
    const historyRun = cli('history', files.history, '--policy', files.policy);
    expect(historyRun.status, historyRun.stdout + historyRun.stderr).toBe(0);
    const tampered = structuredClone(bundles[5]) as { event: Record<string, unknown> };
    tampered.event.event_type = 'rewritten';
    await writeFile(files.tampered, JSON.stringify(tampered));
    const refused = cli('verify', files.tampered, '--policy', files.policy, '--json');
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout).checks.digest.status).toBe('failed');

    // The page the same process serves.
    await page.goto(`${url}/demo/auditor/`);
    await page.getByLabel('Public key: SPKI PEM, JWK or JWKS').fill(policy);
    await page.getByRole('button', { name: 'Pin key' }).click();
    await page.locator('#files').setInputFiles([
      { name: 'bundles.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundles)) },
      { name: 'history.json', mimeType: 'application/json', buffer: Buffer.from(history) },
      { name: 'export.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(exportText) },
    ]);
    await expect(page.locator('#summary')).toContainText(`${ids.length} verified`);
    await expect(page.locator('#chain-summary')).toContainText('signed and append-only');
    await page.getByRole('button', { name: 'Audit period' }).click();
    await expect(page.locator('#period-result')).toContainText('Period verified');
  } finally {
    await dev.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
