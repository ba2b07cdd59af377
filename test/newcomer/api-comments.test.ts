// The API reference (`npm run docs`) is built from the doc comments: every function that
// aegislog/verify exports must say what it does, its headline functions first of all.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './project.js';

describe('aegislog/verify', () => {
  it('documents every function it exports', () => {
    const entry = join(ROOT, 'src/verify/index.ts');
    const program = ts.createProgram([entry], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    const checker = program.getTypeChecker();
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
    const undocumented = exports
      .map((symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol))
      .filter((symbol) => symbol.flags & ts.SymbolFlags.Function)
      .filter((symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === '')
      .map((symbol) => symbol.name);
    expect(exports.length).toBeGreaterThan(50);
    expect(undocumented.sort()).toEqual([]);
  });
});
