import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as verify from '../src/verify/index.js';

// The README's "Verify a bundle, offline" snippet, run as written against the
// independent implementation's bundles: what readers copy is what was tested.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippet = /<!-- verify-snippet -->\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
const pinnedPem = readFileSync(new URL('./vectors/aegislog-v1/key.pem', import.meta.url), 'utf8');
const bundle = JSON.parse(readFileSync(new URL('./vectors/aegislog-v1/bundles/006.json', import.meta.url), 'utf8'));

async function runSnippet(input: unknown): Promise<unknown[]> {
  const [importLine, ...body] = snippet.split('\n');
  const names = /^import \{ (.+) \} from 'aegislog\/verify';$/.exec(importLine!)?.[1]?.split(', ') ?? [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await new AsyncFunction(...names, 'pinnedPem', 'bundle', body.join('\n'))(
      ...names.map((n) => (verify as Record<string, unknown>)[n]), pinnedPem, input);
    return log.mock.calls[0] ?? [];
  } finally {
    log.mockRestore();
  }
}

describe('README', () => {
  it('verifies a bundle in five lines or fewer', () => {
    expect(snippet.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(5);
  });

  it('its snippet passes a sealed bundle and names the check a tampered one fails', async () => {
    const [ok, status] = await runSnippet(bundle);
    expect([ok, status]).toEqual([true, 'sealed']);
    const tampered = structuredClone(bundle);
    tampered.event.prompt = 'edited later';
    const [tamperedOk, , checks] = (await runSnippet(tampered)) as [boolean, string, Record<string, { ok: boolean }>];
    expect(tamperedOk).toBe(false);
    expect(checks.digest!.ok).toBe(false);
  });
});
