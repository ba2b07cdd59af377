// The AI examples are copied into users' projects as they are: they must compile under strict TypeScript
// against the package's published types (dist/types, through its exports map) and the SDKs' own types.
import ts from 'typescript';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, requireDist } from '../edge/workerd.js';

const EXAMPLES = ['examples/nextjs-ai/app/api/chat/route.ts', 'examples/cloudflare-worker-openai/worker.ts', 'examples/node-otel/server.ts'];

describe('AI examples typecheck', () => {
  it('compile with strict settings against dist/types and the real ai, openai and OpenTelemetry types', () => {
    requireDist('ai.js');
    const program = ts.createProgram(
      EXAMPLES.map((f) => join(ROOT, f)),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.asynciterable.d.ts'],
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        // Node runs examples/node-otel/server.ts by stripping its types: only erasable syntax.
        erasableSyntaxOnly: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        noEmit: true,
      },
    );
    const messages = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
    expect(program.getSourceFiles().some((f) => f.fileName.endsWith('dist/types/ai.d.ts'))).toBe(true);
  });
});
