// Small claims the pages make about the package, held to package.json and the sources.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { createRelay } from '../../src/edge/index.js';
import { AegisLog, AegisLogHttpError, AegisLogValidationError, ErrorCode } from '../../src/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import { ROOT } from './project.js';

/** README.md and docs/*.md, without the copies of the specs. */
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && !/^(PROTOCOL|ARCHITECTURE)/.test(f)).map((f) => `docs/${f}`)];
const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');

describe('the pages', () => {
  it('name the Node.js versions that package.json supports', () => {
    const engines = (JSON.parse(text('package.json')) as { engines: { node: string } }).engines.node;
    const least = Number(/^>=(\d+)$/.exec(engines)![1]);
    const claims = pages.flatMap((page) => [...text(page).matchAll(/Node(?:\.js)? (?:≥|>=) ?(\d+)/g)].map((m) => `${page}: ${m[0]}`));
    expect(claims.filter((claim) => Number(/(\d+)$/.exec(claim)![1]) !== least)).toEqual([]);
  });
});

describe('docs/cli.md', () => {
  const synopsis = /^```\n([\s\S]*?)\n```/m.exec(text('docs/cli.md'))![1]!.split('\n');
  const flags = (s: string) => new Set([...s.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!));

  it('its synopsis has a line for every command', () => {
    const named = new Set(synopsis.map((line) => /^aegislog (\w+)/.exec(line)?.[1]));
    expect(commands.map((c) => c.name).filter((name) => !named.has(name))).toEqual([]);
  });

  it.each(['verify', 'audit', 'history', 'keygen'])('its synopsis of %s names every option of --help, and no other', async (name) => {
    const usage = (await commands.find((c) => c.name === name)!.load()).usage;
    const documented = flags(synopsis.filter((line) => line.startsWith(`aegislog ${name} `)).join('\n'));
    // The usage lines and the option list (the prose around them names other commands' flags).
    const lines = usage.split('\n');
    const real = flags([
      ...lines.filter((line) => /^(Usage:|\s+aegislog )/.test(line)),
      ...lines.map((line) => /^\s+--[a-z-]+/.exec(line)?.[0] ?? ''),
    ].join('\n'));
    real.delete('help');
    expect([...real].filter((flag) => !documented.has(flag)).sort(), 'missing from docs/cli.md').toEqual([]);
    expect([...documented].filter((flag) => !real.has(flag)).sort(), 'not an option').toEqual([]);
  });
});

describe('npm run docs (typedoc.json)', () => {
  it('documents every entry of package.json\'s exports', () => {
    const pkg = JSON.parse(text('package.json')) as { exports: Record<string, unknown> };
    const { entryPoints } = JSON.parse(text('typedoc.json')) as { entryPoints: string[] };
    // Files (package.json, the self-contained browser builds) are not entries; a subpath's sources live in src/<subpath>/.
    const subpaths = Object.keys(pkg.exports).filter((s) => !/\.\w+$/.test(s));
    const missing = subpaths.filter((s) => !entryPoints.some((file) => (s === '.' ? file === 'src/index.ts' : file.startsWith(`src/${s.slice(2)}/`))));
    expect(missing).toEqual([]);
  });
});

describe('docs/edge.md, "Where they still differ"', () => {
  const page = text('docs/edge.md');
  const differ = page.slice(page.indexOf('- **Where they still differ**'), page.indexOf('- **Body limit**'));

  it('names no difference in the event_id of a per-event error: there is none', async () => {
    const KEY = 'pk_ingest_docs_claims_0';
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'docs.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'ingest' }], onError: () => {} });
    await server.ready;
    const relay = createRelay({ endpoint: 'https://api.example', apiKey: KEY, allowedOrigins: [], fetch: ((input: RequestInfo | URL, init?: RequestInit) => server(new Request(input, init))) as typeof fetch });
    // Refused without an event_id of their own: a schema violation, and another tenant (which only the server knows).
    const body = JSON.stringify({ events: [{ event_type: 'x', model_context: { model_id: 'm' } }, { event_type: 'x', tenant_id: 'other' }] });
    const post = async (handler: (request: Request) => Promise<Response>, url: string, headers: Record<string, string>) =>
      ((await (await handler(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }))).json()) as { errors: object[] }).errors;
    const direct = await post(server, 'https://api.example/ingest/batch', { 'x-api-key': KEY });
    const relayed = await post(relay, 'https://app.example/aegislog/ingest/batch', {});
    expect(direct).toHaveLength(2);
    expect(relayed).toEqual(direct);
    expect(direct.some((error) => 'event_id' in error)).toBe(false);
    // The page once said the server's error names the event_id it filled in: it names none, as the relay.
    expect(differ).not.toMatch(/fill(ed|s) in/);
    expect(differ).toMatch(/named by `index` alone, by both/);
  });
});

describe('docs/errors.md', () => {
  it('shows `field` as record() names it', async () => {
    const log = new AegisLog({ endpoint: 'http://127.0.0.1:9', flushInterval: 0, fetch: async () => new Response(null, { status: 503 }), onError: () => {} });
    let field: string | undefined;
    try {
      log.record('model_inference', {}, { model_context: { model_id: 'm' } as never });
    } catch (error) {
      field = (error as AegisLogValidationError).field;
    }
    await log.close();
    expect(field).toBe('model_context.model_version');
    const thrown = text('docs/errors.md').split('\n- **On the wire**')[0]!;
    const shown = [...thrown.matchAll(/`([$\w.[\]]*model_version)`/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((path) => path !== field)).toEqual([]);
  });
});

describe('docs/client.md, "Errors"', () => {
  it("names what a server's refusal carries: its code, and the fields of the error", async () => {
    const KEY = 'ak_read_docs_claims_0123';
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'docs.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'read' }], onError: () => {} });
    await server.ready;
    const log = new AegisLog({ endpoint: 'https://api.example', tenantId: 'acme', apiKey: KEY, flushInterval: 0, fetch: (url, init) => server(new Request(url, init)) });
    await log.recordSync('first', {}, { event_id: 'evt-docs-1' });
    const refused = await log.recordSync('other content', {}, { event_id: 'evt-docs-1' }).catch((error: unknown) => error);
    await log.close();
    await server.settled();
    expect(refused).toBeInstanceOf(AegisLogHttpError);
    const { code, serverCode, status } = refused as AegisLogHttpError;
    expect([code, serverCode, status]).toEqual([ErrorCode.Http, 'conflict', 409]);

    const row = /^\| `AegisLogHttpError`([^\n]*)$/m.exec(text('docs/client.md'))![1]!;
    const [fields, codes] = row.split(' | ');
    for (const field of ['status', 'serverCode', 'retryAfter']) expect(fields, field).toContain(`\`${field}\``);
    expect(codes).toContain(`\`${code}\``);
    expect(codes).toMatch(new RegExp(`\`${serverCode}\`[^|]*serverCode`)); // the server's own code is in serverCode, never in code
  });
});

describe('docs/edge.md, its list of what runs on the edge', () => {
  it('describes the self-hosted server as examples/self-hosted-worker has it: on durableObjectStore, durable', () => {
    const page = text('docs/edge.md');
    const item = /^3\. \*\*The reference server\*\*[\s\S]*?(?=\n\n)/m.exec(page)![0];
    const example = readFileSync(join(ROOT, 'examples/self-hosted-worker/worker.ts'), 'utf8');
    expect(example).toContain('durableObjectStore(');
    expect(example).not.toContain('memoryStore');
    expect(item).toContain('durableObjectStore');
    expect(item).not.toMatch(/memory store|not a durable log/);
  });
});

describe('the doc comments of the public API', () => {
  // PROTOCOL.md is version 2: its HTTP API is §8 and its keys §7 (version 1 had them at §7 and §6).
  const sections = new Map([...text('docs/PROTOCOL.md').matchAll(/^## (\d+)\. (.*)$/gm)].map((m) => [m[2]!, m[1]!]));
  it.each([
    ['src/client/options.ts', "The server's `/verify` answer", 'HTTP API'],
    ['src/client/client.ts', "The server's verification of an event", 'HTTP API'],
    ['src/edge/forward.ts', "What the server's /ingest/batch answers", 'HTTP API'],
    ['src/server/signers/kms.ts', '`key_id` is the key ARN', 'Keys'],
  ])('%s ("%s") cites PROTOCOL.md\'s %s section', (file, marker, title) => {
    const source = text(file);
    const comment = source.slice(source.indexOf(marker), source.indexOf('\n', source.indexOf(marker)));
    expect(comment).toContain(`PROTOCOL.md §${sections.get(title)}`);
  });
});
