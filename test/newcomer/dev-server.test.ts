// Issue 16, items 1, 10 and 12 as a newcomer meets them in `aegislog dev`: the demo pages
// without their trailing slash, a port already taken (and --port 0), and signing with AWS KMS.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDev, type DevServer } from '../../src/cli/dev.js';
import { main } from '../../src/cli/main.js';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { startFakeKms } from './fake-kms.js';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aegislog-newcomer-dev-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the demo pages', () => {
  let dev: DevServer;
  beforeAll(async () => {
    // Pages as the demo build lays them out: a folder per page whose index.html loads ./<name>.js.
    const demo = join(root, 'demo');
    for (const page of ['chat', 'auditor']) {
      await mkdir(join(demo, page), { recursive: true });
      await writeFile(join(demo, page, 'index.html'), `<!doctype html><script type="module" src="./${page}.js"></script>`);
      await writeFile(join(demo, page, `${page}.js`), `document.title = '${page}';`);
    }
    dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(root, 'pages-data'), period: 86400, sync: 'normal', demoDir: demo }, io().io);
  });
  afterAll(() => dev?.stop());

  it.each(['chat', 'auditor'])('/demo/%s redirects to its folder URL (trailing slash), where the page script resolves', async (page) => {
    const bare = await fetch(`${dev.url}/demo/${page}`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe(`/demo/${page}/`);

    const followed = await fetch(`${dev.url}/demo/${page}`);
    expect(followed.url).toBe(`${dev.url}/demo/${page}/`);
    const html = await followed.text();
    const script = /src="([^"]+)"/.exec(html)![1]!;
    const js = await fetch(new URL(script, followed.url));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('a file keeps its URL (no slash added), and a missing one is still a 404', async () => {
    expect((await fetch(`${dev.url}/demo/chat/chat.js`, { redirect: 'manual' })).status).toBe(200);
    expect((await fetch(`${dev.url}/demo/chat/nothing`, { redirect: 'manual' })).status).toBe(404);
  });
});

describe('a port already in use', () => {
  it('names --port and `npm start -- --port N`', async () => {
    const first = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(root, 'first'), period: 86400, sync: 'normal' }, io().io);
    try {
      const port = new URL(first.url).port;
      const second = io();
      const code = await main(['dev', '--port', port, '--data', join(root, 'second'), '--sync', 'normal'], second.io);
      expect(code).toBe(1);
      expect(second.err).toHaveLength(1);
      const next = Number(port) + 1;
      expect(second.err[0]).toBe(
        `aegislog dev: 127.0.0.1:${port} is already in use (another aegislog dev or npm start?). ` +
          `Stop it, or pick another port: aegislog dev --port ${next} (in a clone: npm start -- --port ${next}; --port 0 picks a free one)`,
      );
    } finally {
      await first.stop();
    }
  });
});

describe('--port 0', () => {
  it('keeps no port in the log\'s default origin: the port changes at each start, the origin is kept for life', async () => {
    const printed = io();
    const dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(root, 'port-0'), period: 86400, sync: 'normal' }, printed.io);
    try {
      expect(await readFile(join(root, 'port-0', 'origin'), 'utf8')).toBe('127.0.0.1/aegislog\n');
      expect(printed.out.join('\n')).toContain('log:     origin 127.0.0.1/aegislog;');
      expect(printed.out.join('\n')).not.toContain(':0/');
    } finally {
      await dev.stop();
    }
  });
});

describe('aegislog dev --kms', () => {
  it('signs receipts with the KMS key (a fake KMS on 127.0.0.1; the AWS SDK is real)', async () => {
    const kms = await startFakeKms('alias/aegislog-dev');
    const saved = Object.fromEntries(Object.keys(kms.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, kms.env);
    const printed = io();
    let dev: DevServer | undefined;
    try {
      dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(root, 'kms'), period: 86400, sync: 'normal', kmsKeyId: 'alias/aegislog-dev' }, printed.io);
      expect(printed.out.join('\n')).toContain(`signing key AWS KMS ${kms.arn}`);
      const read = dev.keys.find((k) => k.scope === 'read')!.key;
      const headers = { 'x-api-key': read, 'content-type': 'application/json' };
      const receipt = (await (await fetch(`${dev.url}/ingest`, { method: 'POST', headers, body: '{"event_type":"model_inference","model_id":"m"}' })).json()) as {
        event_id: string;
        key_id: string;
      };
      expect(receipt.key_id).toBe(kms.arn);
      expect(kms.calls.filter((c) => c.target === 'Sign')).toEqual([{ target: 'Sign', keyId: kms.arn, messageType: 'DIGEST' }]);

      // The receipt verifies offline under the KMS public key, pinned from the fake (not fetched from the server).
      const bundle = await (await fetch(`${dev.url}/evidence/${receipt.event_id}`, { headers })).json();
      const report = await verifyEvidence(bundle, { keys: await importPublicKey(kms.publicPem, { kid: kms.arn }) });
      expect(report.checks.receipt_signature).toMatchObject({ status: 'passed' });
      expect(report.checks.digest).toMatchObject({ status: 'passed' });
    } finally {
      await dev?.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await kms.close();
    }
  });

  it('an unknown KMS key stops the command with the reason, exit 1', async () => {
    const kms = await startFakeKms('alias/aegislog-dev');
    const saved = Object.fromEntries(Object.keys(kms.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, kms.env);
    try {
      const printed = io();
      const code = await main(['dev', '--port', '0', '--data', join(root, 'kms-bad'), '--kms', 'alias/nope'], printed.io);
      expect(code).toBe(1);
      expect(printed.err.join('\n')).toMatch(/^aegislog dev: .*alias\/nope/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await kms.close();
    }
  });
});
