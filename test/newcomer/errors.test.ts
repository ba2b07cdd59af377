// One error vocabulary (issue 16, "The public API"): ErrorCode is the closed list of thrown codes,
// named after their values; the wire codes the sources send are WireErrorCode; docs/errors.md has
// exactly these in one table; and a client meeting a wire error keeps `code` in ErrorCode.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AegisLog, AegisLogHttpError, ErrorCode } from '../../src/index.js';
import { WIRE_ERROR_CODES } from '../../src/protocol/errors.js';
import { createServer, listen, localSigner, memoryStore, type NodeServerHandle } from '../../src/server/node.js';
import { ROOT } from './project.js';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

/** The codes of docs/errors.md's table, with whether each is thrown and its wire status. */
function documented(): Map<string, { thrown: boolean; wire: string }> {
  const rows = new Map<string, { thrown: boolean; wire: string }>();
  for (const line of readFileSync(join(ROOT, 'docs/errors.md'), 'utf8').split('\n')) {
    const cells = /^\| `([A-Za-z0-9_]+)` \|([^|]*)\|([^|]*)\|/.exec(line);
    if (cells) rows.set(cells[1]!, { thrown: cells[2]!.trim() === 'yes', wire: cells[3]!.trim() });
  }
  return rows;
}

describe('ErrorCode', () => {
  it("each constant is named after its code (ERR_SIGNATURE_FORMAT is SignatureFormat)", () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      expect(code, name).toBe(`ERR_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`);
    }
  });

  it('holds every code the sources throw', () => {
    const thrown = new Set<string>();
    for (const file of sources(join(ROOT, 'src'))) {
      // A code compared with (`error.code === 'ERR_HTTP_REQUEST_TIMEOUT'`) is Node's, not ours.
      for (const [, compared, code] of readFileSync(file, 'utf8').matchAll(/(===?\s*)?'(ERR_[A-Z0-9_]+)'/g)) if (!compared) thrown.add(code!);
    }
    expect([...thrown].filter((code) => !Object.values<string>(ErrorCode).includes(code))).toEqual([]);
  });

  it('is for callers: the sources write codes as literals (a recording page would load the table through the lazy verifier)', () => {
    const uses = sources(join(ROOT, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bErrorCode\.[A-Z]\w*/g)].map(([use]) => `${file.slice(ROOT.length + 1)}: ${use}`));
    expect(uses).toEqual([]);
  });
});

describe('wire codes', () => {
  it('every code the server and the relay send is a WireErrorCode', () => {
    const sent = new Set<string>();
    // `code: '…'` after zod's addIssue({ is an issue code of the zod schema (`custom`), sent by no one.
    const patterns = [/(?:HttpError|failure)\(\d{3}, '([A-Za-z_]+)'/g, /\[\d{3}, '([A-Za-z_]+)'/g, /errorBody\('([A-Za-z_]+)'/g, /(?<!addIssue\(\{ )\bcode: '([a-z_]+)'/g];
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns) for (const [, code] of text.matchAll(pattern)) sent.add(code!);
    }
    expect(sent.size).toBeGreaterThan(8);
    expect([...sent].filter((code) => !(WIRE_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  it('has one row per code, thrown and wire, and no other', () => {
    const rows = documented();
    const expected = new Set<string>([...Object.values(ErrorCode), ...WIRE_ERROR_CODES]);
    expect([...rows.keys()].sort()).toEqual([...expected].sort());
    for (const code of Object.values(ErrorCode)) expect(rows.get(code)!.thrown, code).toBe(true);
    for (const code of WIRE_ERROR_CODES) expect(rows.get(code)!.wire, code).toMatch(/^\d{3}$/);
    for (const [code, row] of rows) if (!(WIRE_ERROR_CODES as readonly string[]).includes(code)) expect(row.wire, code).toBe('');
  });
});

describe('a wire error met by the client', () => {
  let http: NodeServerHandle;
  beforeAll(async () => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'errors.example/log', keys: [{ key: 'ak_read_errors_test_0123', tenant_id: 'acme', scope: 'read' }] });
    http = await listen(server, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => http?.close());

  it('keeps code in ErrorCode (ERR_HTTP) and gives the server code as serverCode', async () => {
    const log = new AegisLog({ endpoint: http.url, tenantId: 'acme', apiKey: 'ak_wrong_key_0123456789', flushInterval: 0, retry: { attempts: 0 } });
    const error = await log.recordSync('model_inference', { n: 1 }).catch((e: unknown) => e);
    await log.close();
    expect(error).toBeInstanceOf(AegisLogHttpError);
    expect(error).toMatchObject({ code: ErrorCode.Http, serverCode: 'unauthorized', status: 401 });
  });
});
