// docs/deploy.md, each step that can run without a cloud account, as written (issue 16, item 12).
// What cannot run here is named in the page's "How this page is tested".
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { startFakeKms, type FakeKms } from './fake-kms.js';
import { ROOT, emptyProject, markedBlock, requireBuild, run, shell, stop, type Project } from './project.js';

const PAGE = 'docs/deploy.md';
const major = Number(process.versions.node.split('.')[0]);
beforeAll(requireBuild);

/** The line of a shell block that contains `needle`, exactly as printed. */
const lineOf = (marker: string, needle: string) => {
  const line = markedBlock(PAGE, `deploy: ${marker}`).code.split('\n').find((l) => l.includes(needle));
  if (!line) throw new Error(`${marker}: no line with ${needle}`);
  return line.replace(/\s+#.*$/, '');
};

describe('Cloudflare: wrangler deploy --dry-run, as the page says', () => {
  // wrangler 4 refuses to start on Node < 22 (the versions AegisLog supports; .ci/run runs them).
  const wrangler = it.skipIf(major < 22);
  let project: Project;
  afterAll(() => project?.remove());

  wrangler('the KV Worker: placeholder filled, bundled, bindings listed, no warning', async () => {
    project = emptyProject('deploy-kv');
    project.link('aegislog', 'wrangler');
    cpSync(join(ROOT, 'examples/cloudflare-worker'), project.dir, { recursive: true });
    // Step 2: the id that `wrangler kv namespace create` printed goes in place of the placeholder.
    const config = readFileSync(join(project.dir, 'wrangler.json'), 'utf8');
    expect(config).toContain('"id": "REPLACE_WITH_KV_NAMESPACE_ID"');
    project.write('wrangler.json', config.replace('REPLACE_WITH_KV_NAMESPACE_ID', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'));

    const dryRun = lineOf('cloudflare-deploy', '--dry-run');
    expect(dryRun).toBe('npx wrangler deploy --dry-run --outdir .wrangler/dry-run');
    const { code, output } = await run(dryRun, project.dir, { WRANGLER_SEND_METRICS: 'false' });
    expect(output).not.toMatch(/WARNING|ignored-bare-import/);
    expect(code).toBe(0);
    expect(output).toMatch(/env\.AEGISLOG_QUEUE \(0f1e2d3c4b5a69788796a5b4c3d2e1f0\)\s+KV Namespace/);
    expect(existsSync(join(project.dir, '.wrangler/dry-run/worker.js'))).toBe(true);
  });

  wrangler('the Durable Object Worker: bundled, the object bound, no warning', async () => {
    const dir = emptyProject('deploy-do');
    try {
      dir.link('aegislog', 'wrangler');
      cpSync(join(ROOT, 'examples/cloudflare-durable-object'), dir.dir, { recursive: true });
      const dryRun = lineOf('cloudflare-durable-object', '--dry-run');
      const { code, output } = await run(dryRun, dir.dir, { WRANGLER_SEND_METRICS: 'false' });
      expect(output).not.toMatch(/WARNING/);
      expect(code).toBe(0);
      expect(output).toMatch(/env\.SESSIONS \(ChatSession\)\s+Durable Object/);
    } finally {
      dir.remove();
    }
  });
});

describe('Vercel: the route bundles for the Edge runtime', () => {
  it('with the edge-light conditions: no warning, nothing from Node', async () => {
    const project = emptyProject('deploy-vercel');
    try {
      project.link('aegislog', '@upstash/redis', '@vercel/functions');
      const route = project.write('app/api/chat/route.ts', readFileSync(join(ROOT, 'examples/nextjs-edge/app/api/chat/route.ts'), 'utf8'));
      const result = await build({
        entryPoints: [route],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'neutral', // no Node built-ins: one would fail to resolve
        conditions: ['edge-light', 'worker', 'browser'],
        mainFields: ['browser', 'module', 'main'],
        metafile: true,
        logLevel: 'silent',
      });
      expect(result.warnings).toEqual([]);
      expect(result.errors).toEqual([]);
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((p) => p.includes('aegislog') || p.includes('newcomer/dist'))).toBe(true);
      expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([]);
    } finally {
      project.remove();
    }
  });
});

describe('A Node service behind nginx, signing with KMS', () => {
  let kms: FakeKms;
  let project: Project;
  beforeAll(async () => {
    kms = await startFakeKms('alias/aegislog');
    project = emptyProject('deploy-node', { name: 'aegislog-service', version: '1.0.0', private: true, type: 'module' });
    project.link('aegislog');
  });
  afterAll(async () => {
    project?.remove();
    await kms?.close();
  });

  it('the first run by hand is as the unit\'s User, made before the folder it owns: run as root, it left files the service cannot write', () => {
    const user = /^User=(\S+)$/m.exec(markedBlock(PAGE, 'deploy: systemd').code)![1]!;
    const steps = markedBlock(PAGE, 'deploy: node-run').code.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    const made = steps.findIndex((l) => new RegExp(`^sudo useradd .*\\b${user}$`).test(l));
    const owned = steps.findIndex((l) => l.includes(`install -d -m 0700 -o ${user} /var/lib/aegislog`));
    const started = steps.findIndex((l) => l.endsWith('node server.mjs'));
    expect(made, `a step makes the user ${user}`).toBeGreaterThan(-1);
    expect(owned).toBeGreaterThan(made);
    expect(started).toBeGreaterThan(owned);
    expect(steps[started]).toMatch(new RegExp(`^sudo -u ${user} `));
  });

  it('server.mjs as printed: receipts signed by the KMS key, through nginx where it is installed, stopped by SIGTERM', async () => {
    project.write('server.mjs', markedBlock(PAGE, 'deploy: node-server').code);
    const data = join(project.dir, 'data');
    const read = 'ak_read_deploy_docs_0123456789';
    project.write('data/keys.json', JSON.stringify([{ key: read, tenant_id: 'acme', scope: 'read' }]));
    const start = markedBlock(PAGE, 'deploy: node-run').code.split('\n').find((l) => l.includes('node server.mjs'))!.replace(/\s+#.*$/, '');
    expect(start).toBe('sudo -u aegislog env AWS_REGION=eu-central-1 node server.mjs');
    // Run as the test's own user, which owns the data folder here as aegislog owns /var/lib/aegislog there.
    const service = shell(start.replace(/^sudo -u aegislog /, ''), project.dir, { ...kms.env, AEGISLOG_DATA: data, AEGISLOG_KEYS_FILE: join(data, 'keys.json'), PORT: '0' });
    try {
      const [, url] = await service.waitFor(/aegislog listening on (http:\/\/127\.0\.0\.1:\d+)/);
      let base = url!;
      let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
      if (hasNginx()) {
        nginx = await startNginx(project, url!);
        base = nginx.url;
      }
      try {
        const health = (await (await fetch(`${base}/healthz`)).json()) as { ok: boolean; key_id: string; origin: string };
        expect(health).toMatchObject({ ok: true, key_id: kms.arn, origin: 'aegislog.example.com/log' });
        const headers = { 'x-api-key': read, 'content-type': 'application/json' };
        const answer = await fetch(`${base}/ingest`, { method: 'POST', headers, body: '{"event_type":"model_inference","model_id":"m"}' });
        expect(answer.status).toBe(200);
        const receipt = (await answer.json()) as { event_id: string; key_id: string };
        expect(receipt.key_id).toBe(kms.arn);
        const bundle = await (await fetch(`${base}/evidence/${receipt.event_id}`, { headers })).json();
        const report = await verifyEvidence(bundle, { keys: await importPublicKey(kms.publicPem, { kid: kms.arn }) });
        expect(report.checks.receipt_signature).toMatchObject({ status: 'passed' });
        // Larger than the proxy's 4m: nginx refuses it before the service reads it.
        if (nginx) expect((await fetch(`${base}/ingest`, { method: 'POST', headers, body: 'x'.repeat(5 * 1024 * 1024) })).status).toBe(413);
      } finally {
        if (nginx) await nginx.stop();
      }
      service.process.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
      expect(service.output()).toMatch(/stopped\n$/);
    } finally {
      await stop(service);
    }
  });
});

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
function hasNginx(): boolean {
  return NGINX !== undefined;
}

/** The page's nginx block with a plain-HTTP listen on 127.0.0.1 instead of the TLS lines, in a config of its own. */
async function startNginx(project: Project, upstream: string) {
  const port = await freePort();
  const block = markedBlock(PAGE, 'deploy: nginx').code
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port};`)
    .split('\n')
    .filter((l) => !/^\s*ssl_certificate/.test(l))
    .join('\n')
    .replace('http://127.0.0.1:8787', upstream);
  const prefix = join(project.dir, 'nginx');
  const conf = project.write('nginx/nginx.conf', [
    process.getuid?.() === 0 ? 'user root;' : '',
    'daemon off;',
    'worker_processes 1;',
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log;`,
    'events {}',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};`),
    block,
    '}',
  ].join('\n'));
  const nginx = shell(`exec ${NGINX} -p ${prefix} -c ${conf}`, project.dir);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (nginx.process.exitCode !== null) throw new Error(`nginx stopped: ${nginx.output()}`);
    const up = await fetch(`${url}/healthz`).then(() => true, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop: () => stop(nginx) };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
