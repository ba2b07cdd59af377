import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.js';
import { URL_KEY_WARNING } from '../../src/cli/keys-input.js';
import { b64Decode } from '../../src/protocol/index.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

const VECTORS = join(import.meta.dirname, '../vectors/aegislog-v1');
const KEY_PEM = join(VECTORS, 'key.pem');
const bundleFiles = readdirSync(join(VECTORS, 'bundles')).map((f) => join(VECTORS, 'bundles', f));
const vector = (name: string) => JSON.parse(readFileSync(join(VECTORS, 'bundles', name), 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'aegislog-verify-'));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const run = async (args: string[], extra = {}) => {
  const io = fakeIO(extra);
  const code = await verifyCommand.run(args, io);
  return { code, out: io.stdout, err: io.stderr, io };
};

let log: SignedLog;
beforeAll(async () => {
  log = await makeSignedLog([
    { start: Date.UTC(2026, 10, 1), end: Date.UTC(2026, 10, 2), tenants: { acme: 3, beta: 2 } },
    { start: Date.UTC(2026, 10, 2), end: Date.UTC(2026, 10, 3), tenants: { acme: 5 } },
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog verify: evidence that holds', () => {
  it.each(bundleFiles)('passes the independent vector %s, one line per check', async (path) => {
    const { code, out, err } = await run([path, '--key', KEY_PEM]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.slice(0, 6)).toEqual(['✓ digest', '✓ receipt_signature', '✓ inclusion', '✓ tenant_inclusion', '✓ checkpoint_signature', '✓ period']);
    expect(out[6]).toMatch(/^✓ sealed evidence [\w.-]+\/[\w-]+: all 6 checks passed$/);
  });

  it('reads the key as SPKI PEM, SPKI DER, a JWK and a JWKS', async () => {
    const jwks = readFileSync(join(VECTORS, 'keys.json'), 'utf8');
    const der = b64Decode(readFileSync(KEY_PEM, 'utf8').replace(/-----[^-]+-----|\s/g, ''));
    const keys = [KEY_PEM, file('key.der', der), file('key.jwk.json', JSON.stringify(JSON.parse(jwks).keys[0])), join(VECTORS, 'keys.json')];
    for (const key of keys) expect((await run([bundleFiles[0]!, '--key', key])).code).toBe(0);
  });

  it('checks many bundles from an array and from NDJSON on stdin, and the chain against --checkpoints', async () => {
    const bundles = [log.bundle(0, 'acme', 0), log.bundle(0, 'beta', 1), log.bundle(1, 'acme', 4)];
    const keyFile = file('log.jwks.json', JSON.stringify({ keys: [log.key.publicJwk] }));
    const cps = file('checkpoints.json', JSON.stringify({ checkpoints: log.checkpoints }));
    const fromArray = await run([file('many.json', JSON.stringify(bundles)), '--key', keyFile, '--checkpoints', cps]);
    expect(fromArray.code).toBe(0);
    expect(fromArray.out[0]).toBe('[1] acme/acme-1793491200000-0000000 (sealed)');
    expect(fromArray.out.filter((l) => l === '  ✓ chain')).toHaveLength(3);
    expect(fromArray.out.at(-1)).toBe('3 bundles: 3 passed, 0 failed');

    const stdin = Readable.from([bundles.map((b) => JSON.stringify(b)).join('\n')]);
    const fromStdin = await run(['-', '--key', keyFile, '--json'], { stdin });
    const json = JSON.parse(fromStdin.out.join('\n'));
    expect(fromStdin.code).toBe(0);
    expect(json).toMatchObject({ ok: true, count: 3, failed: 0 });
    expect(json.results[2]).toMatchObject({ ok: true, status: 'sealed', tenant_id: 'acme', checks: { digest: { ok: true }, period: { ok: true } } });
  });

  it('shows --trusted as a skipped consistency check on a version-1 bundle, not silently dropped', async () => {
    const history = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/aegislog-v2/histories/history-full-2of2.json'), 'utf8'));
    const trusted = file('trusted.note', history.checkpoints[3].note);
    const { code, out } = await run([bundleFiles[0]!, '--key', KEY_PEM, '--trusted', trusted]);
    expect(code).toBe(0); // an extra check it cannot run does not fail the evidence it proves
    expect(out).toContain('– consistency: skipped, a trusted checkpoint (trusted, --trusted) applies to version-2 bundles; this one is version 1: give its earlier checkpoints (checkpoints, --checkpoints) for the chain check');
    expect(out.at(-1)).toMatch(/^✓ sealed evidence \S+: all 6 checks passed \(1 skipped\)$/);
  });

  it('passes a pending bundle on its two checks, and fails it with --sealed', async () => {
    const { event, receipt } = log.bundle(0, 'acme', 1);
    const keyFile = file('log.pem', log.key.publicPem);
    const pending = file('pending.json', JSON.stringify({ v: 1, status: 'pending', event, receipt }));
    const plain = await run([pending, '--key', keyFile]);
    expect(plain.code).toBe(0);
    expect(plain.out.slice(0, 2)).toEqual(['✓ digest', '✓ receipt_signature']);
    expect(plain.out[2]).toMatch(/^✓ pending evidence acme\/\S+: the receipt verifies; its period is not sealed yet/);
    const strict = await run([pending, '--key', keyFile, '--sealed', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out.join('\n'))).toMatchObject({ ok: false, status: 'pending' });
    // With several bundles, each result says its own verdict under --sealed, as a lone one does.
    const two = await run([pending, pending, '--key', keyFile, '--sealed', '--json']);
    expect(two.code).toBe(1);
    expect(JSON.parse(two.out.join('\n'))).toMatchObject({ ok: false, count: 2, failed: 2, results: [{ ok: false, status: 'pending' }, { ok: false, status: 'pending' }] });
  });
});

describe('aegislog verify: evidence that does not hold (exit 1)', () => {
  it('names the failing check and its reason, and still reports the others', async () => {
    const bundle = vector('000.json');
    bundle.event.decision = 'approved-after-the-fact';
    const { code, out } = await run([file('tampered.json', JSON.stringify(bundle)), '--key', KEY_PEM]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^✗ digest: SHA-256 of the event is \S+, the receipt says \S+$/);
    expect(out.slice(1, 6)).toEqual(['✓ receipt_signature', '✓ inclusion', '✓ tenant_inclusion', '✓ checkpoint_signature', '✓ period']);
    expect(out[6]).toMatch(/^✗ sealed evidence .*: 1 of 6 checks failed$/);
  });

  it('fails every signature under a key that is not the signer', async () => {
    const { code, out } = await run([bundleFiles[0]!, '--key', file('other.pem', log.key.publicPem)]);
    expect(code).toBe(1);
    expect(out.find((l) => l.startsWith('✗ receipt_signature: '))).toBeDefined();
    expect(out.find((l) => l.startsWith('✗ checkpoint_signature: '))).toBeDefined();
  });

  it('fails one bundle of many and counts it', async () => {
    const bad = { ...vector('007.json'), tenant_inclusion: { ...vector('007.json').tenant_inclusion, leaf_index: 0 } };
    const { code, out } = await run([file('mixed.ndjson', [vector('000.json'), bad].map((b) => JSON.stringify(b)).join('\n')), '--key', KEY_PEM]);
    expect(code).toBe(1);
    expect(out.some((l) => l.startsWith('  ✗ tenant_inclusion: '))).toBe(true);
    expect(out.at(-1)).toBe('2 bundles: 1 passed, 1 failed');
  });
});

describe('aegislog verify: input it cannot use (exit 2, one line)', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['garbage JSON', () => [file('garbage.json', '{"v":1, status'), '--key', KEY_PEM], /^aegislog verify: \S+garbage\.json is not valid JSON \(.+\)$/],
    ['a missing file', () => [join(dir, 'nope.json'), '--key', KEY_PEM], /^aegislog verify: cannot read \S+nope\.json: no such file$/],
    ['a key that is not a key', () => [bundleFiles[0]!, '--key', file('bad.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')], /^aegislog verify: --key \S+bad\.pem: not a P-256 public key \(.+\)$/],
    ['a private key', () => [bundleFiles[0]!, '--key', file('private.jwk.json', JSON.stringify(log.key.privateJwk))], /^aegislog verify: --key \S+: not a P-256 public key \(.+\)$/],
    ['a missing key file', () => [bundleFiles[0]!, '--key', join(dir, 'none.pem')], /^aegislog verify: cannot read \S+none\.pem: no such file$/],
    ['no --key', () => [bundleFiles[0]!], /^aegislog verify: --key or --policy is required: the key or the tlog-policy you trust \(see aegislog verify --help\)$/],
    ['an unknown flag', () => [bundleFiles[0]!, '--key', KEY_PEM, '--fast'], /^aegislog verify: Unknown option '--fast' \(see aegislog verify --help\)$/],
    // parseArgs would keep the last one silently: the auditor would check against b.txt alone.
    ['--policy twice', () => [bundleFiles[0]!, '--policy', 'a.txt', '--policy', 'b.txt'], /^aegislog verify: Option '--policy' is given twice; it takes one value \(see aegislog verify --help\)$/],
    ['--checkpoints twice', () => [bundleFiles[0]!, '--key', KEY_PEM, '--checkpoints=a.json', '--checkpoints', 'b.json'], /^aegislog verify: Option '--checkpoints' is given twice; it takes one value/],
    ['no bundle', () => ['--key', KEY_PEM], /^aegislog verify: missing argument \(see aegislog verify --help\)$/],
    ['an empty file', () => [file('empty.json', '\n'), '--key', KEY_PEM], /^aegislog verify: \S+empty\.json is empty$/],
    ['an empty array', () => [file('none.json', '[]'), '--key', KEY_PEM], /^aegislog verify: \S+none\.json is an empty array$/],
    ['bad checkpoints', () => [bundleFiles[0]!, '--key', KEY_PEM, '--checkpoints', file('cps.json', '{"checkpoints": 3}')], /^aegislog verify: \S+cps\.json: expected \{"checkpoints": \[\.\.\.\]\}/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const { code, out, err } = await run(args());
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});

describe('aegislog verify --key URL', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const jwks = readFileSync(join(VECTORS, 'keys.json'));
    server = createServer((req, res) => {
      if (req.url === '/.well-known/aegislog/keys.json') res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('uses a fetched JWKS but warns that it proves nothing', async () => {
    const url = `${base}/.well-known/aegislog/keys.json`;
    const { code, err } = await run([bundleFiles[0]!, '--key', url]);
    expect(code).toBe(0);
    expect(err).toEqual([`warning: --key ${url}: ${URL_KEY_WARNING}`]);
  });

  it('gives one line for a key URL that answers 404 or does not answer', async () => {
    const missing = await run([bundleFiles[0]!, '--key', `${base}/nope`]);
    expect(missing.code).toBe(2);
    expect(missing.err[1]).toBe(`aegislog verify: --key ${base}/nope: HTTP 404`);
    const closed = await run([bundleFiles[0]!, '--key', 'http://127.0.0.1:1/keys.json']);
    expect(closed.code).toBe(2);
    expect(closed.err[1]).toMatch(/^aegislog verify: --key http:\/\/127\.0\.0\.1:1\/keys\.json: cannot fetch \(.+\)$/);
  });
});
