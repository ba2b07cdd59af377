// Issue 16, item 5: docs/server.md's "Embed it" example, in an empty folder, as a reader runs it:
// the code block as embed.mjs, the "Keys file" example as keys.json with its `…` filled in. Two
// changes only, both said here: port 0 instead of 8787 (another server may hold it on this machine),
// and a line printing the URL, so the test knows where it listens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, emptyProject, requireBuild, shell, stop, type Project } from './project.js';

const page = readFileSync(join(ROOT, 'docs/server.md'), 'utf8');
const blockAfter = (heading: string, lang: string) => {
  const after = page.slice(page.indexOf(heading));
  return new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(after)![1]!;
};
let project: Project;

beforeAll(() => {
  requireBuild();
  project = emptyProject('embed', { name: 'embed', version: '1.0.0', private: true, type: 'module' });
  project.link('aegislog');
});
afterAll(() => project?.remove());

describe('docs/server.md, "Embed it"', () => {
  it('runs in an empty folder: the data folder is made on first run, and it serves', async () => {
    const code = blockAfter('## Embed it', 'ts');
    expect(code).toContain("port: 8787");
    project.write('embed.mjs', `${code.replace('port: 8787', 'port: 0')}\nconsole.log(\`listening on \${http.url}\`);\n`);
    // The keys file as the page shows it, each `…` replaced by a secret of the reader's own.
    let n = 0;
    const keys = blockAfter('## Keys file', 'json').replace(/…/g, () => `secret_${++n}_0123456789abcdef`);
    project.write('keys.json', keys);
    const read = (JSON.parse(keys) as { key: string; scope: string }[]).find((k) => k.scope === 'read')!.key;

    const server = shell('node embed.mjs', project.dir);
    try {
      const [, url] = await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      expect((await (await fetch(`${url}/healthz`)).json()) as { ok: boolean }).toMatchObject({ ok: true });
      const answer = await fetch(`${url}/ingest`, {
        method: 'POST',
        headers: { 'x-api-key': read, 'content-type': 'application/json' },
        body: '{"event_type":"model_inference","model_id":"m"}',
      });
      expect(answer.status).toBe(200);
    } finally {
      await stop(server);
    }
    expect(server.output()).not.toMatch(/ENOENT|Error/);
  });
});
