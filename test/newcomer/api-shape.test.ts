// The public API's shape (issue 16): entries export by name what users need and nothing internal;
// types say what they take (checked by `npm run typecheck`, which covers this file: each
// expected type error below fails the typecheck the day its line compiles); and the auditor page
// bundles no server code now that complianceOf lives with the verifier.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as client from '../../src/index.js';
import type { AegisLogOptions, VerificationResult } from '../../src/index.js';
import * as server from '../../src/server/node.js';
import * as webServer from '../../src/server/index.js';
import * as verify from '../../src/verify/index.js';
import { ROOT } from './project.js';

describe('entries export by name, without internals', () => {
  const internals = ['jsonSize', 'isPlainObject', 'checkPayloadKeys', 'QUEUED', 'DEAD', 'pathOf', 'hexEncode', 'hexDecode', 'checkRawSignature', 'invalid', 'isTime', 'sha256', 'bytesEqual'];

  it.each([
    ['aegislog', client],
    ['aegislog/verify', verify],
    ['aegislog/server', server],
    ['aegislog/server (web)', webServer],
  ] as const)('%s exposes none of the internals the issue lists', (_name, entry) => {
    expect(internals.filter((name) => name in entry)).toEqual([]);
  });

  it('no entry source uses export *', () => {
    // Every module the package's builds take as an entry (rollup.config.mjs), so a new entry is covered when it is added there.
    const config = readFileSync(join(ROOT, 'rollup.config.mjs'), 'utf8');
    const entries = [...config.slice(config.indexOf('const input = {'), config.indexOf('};', config.indexOf('const input = {'))).matchAll(/'(src\/[^']+\.ts)'/g)]
      .map((m) => m[1]!)
      .filter((file) => !file.startsWith('src/cli/'));
    expect(entries).toEqual(expect.arrayContaining(['src/index.ts', 'src/verify/index.ts', 'src/server/index.ts', 'src/server/node.ts', 'src/edge/index.ts']));
    for (const file of entries) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/^export \* from/m);
    }
  });

  it('complianceOf is the verifier\'s, and aegislog/server still exports it', () => {
    expect(server.complianceOf).toBe(verify.complianceOf);
  });
});

describe('types say what they take', () => {
  it('publicKeys takes keys, and VerificationResult has no open index signature', () => {
    const options: AegisLogOptions = { endpoint: 'https://log.example', tenantId: 't', apiKey: 'k', publicKeys: ['-----BEGIN PUBLIC KEY-----…', { kty: 'EC' }] };
    // @ts-expect-error: a number is not a key
    const wrong: AegisLogOptions = { ...options, publicKeys: 42 };
    const result: VerificationResult = { status: 'not_found', event_id: 'e' };
    // @ts-expect-error: no field the /verify answer does not have
    void result.kms_signature_valid;
    expect([options.publicKeys, wrong.publicKeys, result.status]).toEqual([options.publicKeys, 42, 'not_found']);
  });
});

describe('JS objects camelCase, wire objects snake_case', () => {
  it("the verifier's report objects (…Report, …Problem) have camelCase fields only", () => {
    // Read from the reviewed API report: what users compile against. Wire types (bundles, heads) keep snake_case.
    const report = readFileSync(join(ROOT, 'api/aegislog-verify.api.md'), 'utf8');
    const objects = [...report.matchAll(/^export interface (\w*(?:Report|Problem))\b[^{]*\{\n([\s\S]*?)\n\}/gm)];
    expect(objects.map((m) => m[1])).toEqual(expect.arrayContaining(['AuditReport', 'AuditProblem', 'ChainReport', 'ExportReport', 'HistoryReport']));
    const snake = objects.flatMap(([, name, body]) => [...body!.matchAll(/^ {4}(\w+)\??:/gm)].map((f) => f[1]!).filter((f) => f.includes('_')).map((f) => `${name}.${f}`));
    expect(snake).toEqual([]);
  });
});

describe('the auditor page', () => {
  it('bundles nothing from src/server', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'demo/auditor/main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('src/verify/compliance.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('src/server/'))).toEqual([]);
  });
});

describe('aegislog/ai and the main entry', () => {
  // The ai entry's options and events carry the client's types (RecordOptions, Receipt, the event
  // contexts): the API report lists them as "forgotten exports" of aegislog/ai. Each must be one
  // declaration, named from one place ('aegislog', where the log an app passes in comes from), and
  // the ai entry must not load the main entry's code for them.
  const forgotten = [...readFileSync(join(ROOT, 'api/aegislog-ai.api.md'), 'utf8').matchAll(/The symbol "(\w+)" needs to be exported/g)].map((m) => m[1]!);

  it('every type it takes from the client is exported by aegislog, and by aegislog only', () => {
    expect(new Set(forgotten)).toEqual(new Set(['RecordOptions', 'Receipt', 'DataProvenance', 'HumanIntervention', 'ModelContext', 'PerformanceMetrics', 'PolicyContext', 'SessionContext']));
    const exported = (report: string) => new Set([...readFileSync(join(ROOT, 'api', report), 'utf8').matchAll(/^export (?:declare )?(?:interface|type|class|const|function|enum) (\w+)/gm)].map((m) => m[1]!));
    const main = exported('aegislog.api.md');
    expect(forgotten.filter((name) => !main.has(name))).toEqual([]);
    expect(forgotten.filter((name) => exported('aegislog-ai.api.md').has(name))).toEqual([]);
  });

  it('its declarations import those types from the main entry\'s (ESM and CJS), never a copy', () => {
    for (const [file, index] of [['dist/types/ai.d.ts', './index.js'], ['dist/types/ai.d.cts', './index.cjs']] as const) {
      if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
      const text = readFileSync(join(ROOT, file), 'utf8');
      const imported = [...text.matchAll(/^import \{([^}]*)\} from '([^']+)';$/gm)].flatMap((m) => m[1]!.split(',').map((n) => [n.trim(), m[2]] as const));
      expect(new Set(imported.map(([, from]) => from)), file).toEqual(new Set([index]));
      expect(new Set(imported.map(([name]) => name)), file).toEqual(new Set(forgotten));
      for (const name of forgotten) expect(text, `${file} declares ${name}`).not.toMatch(new RegExp(`^(?:declare )?(?:interface|type|class) ${name}\\b`, 'm'));
    }
  });

  it('loads no code of the main entry but its error class, the context names, canonical JSON and base64url: it bundles src/ai only', async () => {
    const result = await build({ absWorkingDir: ROOT, entryPoints: [join(ROOT, 'src/ai/index.ts')], bundle: true, write: false, format: 'esm', platform: 'neutral', metafile: true, logLevel: 'silent', packages: 'external' });
    // AegisLogError (ERR_CONFIG for bad options) is the main entry's own class, so that instanceof holds across both;
    // CONTEXT_NAMES (schema/rules.ts: constants alone) is the protocol's list, which the recorder shares with the
    // client so that a browser bundle carries it once. protocol/jcs.ts is the protocol's canonical JSON, whose depth
    // bound and paths the digest shares, and protocol/base64url.ts, the platform's own encoder where it has one, for the
    // megabytes of an image (both in the lazy digest chunk only: the middleware's initial bytes do not grow).
    expect(Object.keys(result.metafile.inputs).filter((path) => !path.startsWith('src/ai/')).sort()).toEqual(['src/protocol/base64url.ts', 'src/protocol/errors.ts', 'src/protocol/jcs.ts', 'src/schema/rules.ts']);
  });
});
