import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyProject, markedBlock, requireBuild, run, type Project } from './newcomer/project.js';

// The README's verify.mjs, run as written (`node verify.mjs` in a project with aegislog installed)
// against the independent implementation's v2 bundles: what readers copy is what was tested. The
// quick start runs it again against `aegislog dev` (test/newcomer/readme-quickstart.test.ts).
const VECTORS = new URL('./vectors/aegislog-v2/', import.meta.url);
const snippet = markedBlock('README.md', 'verify-snippet').code;
let project: Project;

beforeAll(() => {
  requireBuild();
  project = emptyProject('readme-verify', { name: 'audit', version: '1.0.0', private: true });
  project.link('aegislog');
  project.write('verify.mjs', snippet);
  copyFileSync(new URL('keys/receipt-ecdsa.pub.pem', VECTORS), join(project.dir, 'aegislog-public.pem'));
});
afterAll(() => project?.remove());

async function verify(bundle: unknown): Promise<string> {
  writeFileSync(join(project.dir, 'evidence.json'), JSON.stringify(bundle));
  const { code, output } = await run('node verify.mjs', project.dir);
  expect(code).toBe(0);
  return output;
}

describe('README', () => {
  it('verifies a bundle in five lines or fewer', () => {
    expect(snippet.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(5);
  });

  it('its snippet passes a sealed bundle and names the check a tampered one fails', async () => {
    const bundle = JSON.parse(readFileSync(new URL('bundles/acme-bank-p4-leaf256.json', VECTORS), 'utf8'));
    expect(await verify(bundle)).toMatch(/^true sealed \{\s*digest: \{ status: 'passed'/);
    const tampered = structuredClone(bundle);
    tampered.event.prompt = 'edited later';
    expect(await verify(tampered)).toMatch(/^false sealed \{\s*digest: \{\s*status: 'failed',\s*ok: false,\s*reason: 'SHA-256 of the event/);
  });
});
