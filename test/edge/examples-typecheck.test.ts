// The examples are copied into users' projects as they are: they must compile under strict TypeScript
// against the package's published types (dist/types, through the package's own exports map).
import ts from 'typescript';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, requireDist } from './workerd.js';

const EXAMPLES = [
  'examples/cloudflare-worker/worker.ts',
  'examples/cloudflare-durable-object/worker.ts',
  'examples/self-hosted-worker/worker.ts',
  'examples/nextjs-edge/app/api/aegislog/[...path]/route.ts',
  'examples/nextjs-edge/app/api/chat/route.ts',
  'examples/witness-worker/worker.ts',
];

describe('examples typecheck', () => {
  it('compile with strict settings against dist/types', () => {
    requireDist('index.js');
    const program = ts.createProgram(
      EXAMPLES.map((f) => join(ROOT, f)),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
        // A Next.js project has @types/node (process.env); the Workers examples use none of it.
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        noEmit: true,
      },
    );
    const messages = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
    // 'aegislog' resolved to the built declarations, not to nothing.
    expect(program.getSourceFiles().some((f) => f.fileName.endsWith('dist/types/index.d.ts'))).toBe(true);
  });
});
