#!/usr/bin/env node
// The public API under review: one API Extractor report per package entry, in
// api/*.api.md, checked in. `npm run api` builds and rewrites them; `npm test`
// runs this with --check after its build and fails on any difference, so no
// change to what users can import lands without a reviewed report beside it.
//
// The entries come from package.json's "exports": every subpath whose
// conditions name a `types` file gets a report (a new entry, such as
// aegislog/ai, needs nothing here). API Extractor reads the published
// declarations in dist/types, exactly what users compile against.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const ROOT = resolve(import.meta.dirname, '..');
// AEGISLOG_API_REPORTS: another folder of reports to check (the test of this check uses a changed copy).
const REPORTS = process.env.AEGISLOG_API_REPORTS ? resolve(process.env.AEGISLOG_API_REPORTS) : join(ROOT, 'api');
const TEMP = join(ROOT, 'node_modules/.cache/aegislog-api');
const check = process.argv.includes('--check');

/**
 * Every distinct `.d.ts` file the exports map names, with its report's name: the
 * types an `import` gets are `aegislog[-subpath]`; another types file of the same
 * subpath (aegislog/server's Web build under `browser`) is named by its condition.
 */
export function entries(pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))) {
  const found = new Map();
  for (const [subpath, value] of Object.entries(pkg.exports)) {
    const base = `aegislog${subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`}`;
    const typesOf = (node, path) => {
      if (typeof node !== 'object' || node === null) return [];
      return Object.entries(node).flatMap(([condition, target]) =>
        condition === 'types' && typeof target === 'string' ? [[target, path]] : typesOf(target, [...path, condition]));
    };
    const all = typesOf(value, []).filter(([target]) => target.endsWith('.d.ts'));
    const main = all.find(([, path]) => path.at(-1) === 'import' || path.length === 0)?.[0];
    for (const [target, path] of all) {
      if (!found.has(target)) found.set(target, target === main ? base : `${base}.${path[0]}`);
    }
  }
  return [...found].map(([types, name]) => ({ types: join(ROOT, types), name }));
}

function report({ types, name }) {
  if (!existsSync(types)) throw new Error(`${types} is missing: run \`npm run build\` first (\`npm run api\` does)`);
  const config = ExtractorConfig.prepare({
    packageJsonFullPath: join(ROOT, 'package.json'),
    configObjectFullPath: join(ROOT, 'scripts/api-report.mjs'),
    configObject: {
      projectFolder: ROOT,
      newlineKind: 'lf', // API Extractor's default is CRLF, which reads as a change on every line in git
      mainEntryPointFilePath: types,
      compiler: {
        overrideTsconfig: {
          compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], strict: true, skipLibCheck: true },
          files: [types],
        },
      },
      apiReport: { enabled: true, reportFileName: name, reportFolder: REPORTS, reportTempFolder: TEMP },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          // The package has no @public/@beta tags: everything exported is public.
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
          // A type used by the API but not exported: kept in the report, so a review sees it.
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          // Listed with dist/types line numbers, which move with any change to a declaration file: churn, not review.
          // A missing doc comment still shows as `// (undocumented)` on its item.
          'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
      },
    },
  });
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false, messageCallback: (m) => { if (m.logLevel === 'info' || m.logLevel === 'verbose') m.handled = true; } });
  return { name, changed: result.apiReportChanged, ok: result.succeeded };
}

function main() {
  mkdirSync(REPORTS, { recursive: true });
  rmSync(TEMP, { recursive: true, force: true });
  const results = entries().map(report);
  const changed = results.filter((r) => r.changed).map((r) => `${relative(ROOT, REPORTS)}/${r.name}.api.md`);
  if (check && changed.length > 0) {
    // Said in full, with the command: whoever moved the API (often by a change to a type) fixes it in one step.
    const temp = relative(ROOT, TEMP);
    console.error([
      '',
      `api: the public API differs from its checked-in report: ${changed.join(', ')}`,
      `  see what changed:  ${changed.map((file) => `diff ${file} ${temp}/${basename(file)}`).join('; ')}`,
      '  if it is meant:    npm run api          (builds, then rewrites api/*.api.md)',
      '                     git add api && git commit   (the reports go in with the change; docs/contributing.md)',
      '  if it is not:      change the source back, then npm run build && node scripts/api-report.mjs --check',
      '',
    ].join('\n'));
    return 1;
  }
  if (!results.every((r) => r.ok)) return 1;
  console.log(check ? `api: ${results.length} reports match the build` : `api: ${results.length} reports written to api/${changed.length ? ` (changed: ${changed.join(', ')})` : ' (no change)'}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = main();
