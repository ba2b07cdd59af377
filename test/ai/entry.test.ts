// The built entry `aegislog/ai` as users get it: ESM and CJS through the package's own exports map, its
// bundled types, and no import of the SDKs it serves (ai, openai, @anthropic-ai/sdk, @google/genai, @mistralai/mistralai, cohere-ai, @langchain/core, @aws-sdk/client-bedrock-runtime and OpenTelemetry are optional peers).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { requireDist, ROOT } from '../edge/workerd.js';

const NAMES = ['UNREPORTED', 'aegislogCallbacks', 'aegislogEmbeddingMiddleware', 'aegislogImageMiddleware', 'aegislogMiddleware', 'aegislogSpanProcessor', 'aegislogTelemetry', 'aiDigest', 'aiFlush', 'isModelCallSpan', 'recordAgentApprovals', 'recordToolApprovals', 'wrapAnthropic', 'wrapBedrock', 'wrapCohere', 'wrapGoogleGenAI', 'wrapMistral', 'wrapOpenAI'];

describe('aegislog/ai, built', () => {
  it('imports as ESM and requires as CJS through the exports map, with the same names', async () => {
    requireDist('ai.js');
    const esm = await import(/* @vite-ignore */ join(ROOT, 'dist/esm/ai.js'));
    expect(Object.keys(esm).sort()).toEqual(NAMES);
    const cjs = createRequire(join(ROOT, 'package.json'))('aegislog/ai');
    expect(Object.keys(cjs).sort()).toEqual(NAMES);
    expect(readFileSync(join(ROOT, 'dist/types/ai.d.ts'), 'utf8')).toMatch(/^export \{ UNREPORTED, aegislogCallbacks, aegislogEmbeddingMiddleware, aegislogImageMiddleware, aegislogMiddleware, /m);
  });

  it('loads nothing of the SDKs it serves (ai, openai, @anthropic-ai/sdk, @google/genai, @mistralai/mistralai, cohere-ai, @langchain/core, the Bedrock client, OpenTelemetry), and keeps the digest code in a chunk of its own', () => {
    const files = ['dist/esm/ai.js', ...readdirSync(join(ROOT, 'dist/esm/chunks')).map((f) => `dist/esm/chunks/${f}`)];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"](ai|openai|@anthropic-ai\/[^'"]+|@google\/genai|@mistralai\/[^'"]+|cohere-ai|@langchain\/[^'"]+|@opentelemetry\/[^'"]+|@ai-sdk\/[^'"]+)['"]/);
      expect(text, file).not.toMatch(/(from |import\()['"](@aws-sdk\/client-bedrock-runtime|@smithy\/[^'"]+)['"]/);
    }
    const entry = readFileSync(join(ROOT, 'dist/esm/ai.js'), 'utf8');
    const lazy = entry.match(/import\(['"](\.\/chunks\/digest-[^'"]+\.js)['"]\)/)?.[1];
    expect(lazy).toBeDefined();
    expect(existsSync(join(ROOT, 'dist/esm', lazy!))).toBe(true);
    expect(entry).not.toContain('crypto.subtle.sign');
  });

  it('bundled for the middleware alone, leaves the other integrations out (issue 14 counts its bytes)', async () => {
    const bundled = await build({
      stdin: { contents: `import { aegislogMiddleware } from ${JSON.stringify(join(ROOT, 'dist/esm/ai.js'))}; globalThis.m = aegislogMiddleware;`, resolveDir: ROOT },
      bundle: true, minify: true, format: 'esm', platform: 'browser', splitting: false, write: false, logLevel: 'silent',
    });
    const text = bundled.outputFiles[0]!.text;
    expect(text).toContain('ai-sdk');
    // wrapOpenAI's operation names and its registry for unread calls (wrapAnthropic's too), wrapGoogleGenAI's, wrapMistral's, wrapCohere's, LangChain's callbacks, the span processor's attribute
    // names, the embedding middleware's (a separate export, so that the middleware's 2,000 B do not carry it).
    for (const other of ['chat.completions', 'beta.messages', 'FinalizationRegistry', 'models.embedContent', 'handleChatModelStart', 'gen_ai.operation.name', 'embedding_count', 'mistral_finish_reason', 'cohere_finish_reason', 'tool-approval-response']) expect(text, other).not.toContain(other);
    // wrapBedrock's command names.
    expect(text).not.toContain('converseStream');
  });
});
