// The README's quick start, exactly as printed, against `aegislog dev` (issue 16, item 4):
// an empty project with aegislog linked, the server started as the README says, its banner
// read for what the README tells a user to take from it, and every <placeholder> filled so.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, emptyProject, markedBlock, requireBuild, run, shell, stop, type Project, type Shell } from './project.js';

const README = 'README.md';
let project: Project;
let dev: Shell;
/** What the banner gives a reader: the URL, the signing key id, and the demo tenant's three keys. */
let banner: { url: string; kid: string; ingest: string; read: string; admin: string };

beforeAll(async () => {
  requireBuild();
  project = emptyProject('quickstart');
  project.link('aegislog');
  // Step 1 as printed, with the installed command (npx resolves node_modules/.bin, as `npm install aegislog` leaves it).
  const start = markedBlockLines('sh', '### 1. A server to talk to').find((l) => l.startsWith('npx aegislog dev'))!;
  expect(start).toBe('npx aegislog dev');
  await linkBin(project);
  // The one change: a free port instead of 8787, which another server on this machine may hold (the README's own remedy).
  dev = shell(`${start} --port 0`, project.dir);
  await dev.waitFor(/admin +key: (\S+)/);
  const text = dev.output();
  banner = {
    url: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!,
    kid: /signing key (\S+)\)/.exec(text)![1]!,
    ingest: /ingest +key: (\S+)/.exec(text)![1]!,
    read: /read +key: (\S+)/.exec(text)![1]!,
    admin: /admin +key: (\S+)/.exec(text)![1]!,
  };
});
afterAll(async () => {
  if (dev) await stop(dev);
  project?.remove();
});

/** Lines of the first fenced block of `lang` under a README heading. */
function markedBlockLines(lang: string, heading: string): string[] {
  const text = readFileSync(join(ROOT, README), 'utf8');
  const after = text.slice(text.indexOf(heading));
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(after)!;
  return match[1]!.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
}

/** `npm install aegislog` puts its bin in node_modules/.bin; the linked copy gets the same link. */
function linkBin(p: Project) {
  p.write('node_modules/.bin/.keep', '');
  return run(`ln -s ../aegislog/bin/aegislog.mjs node_modules/.bin/aegislog`, p.dir);
}

/** Fills the README's `<…>` placeholders the way its text says: from the banner, or from quickstart.mjs's output. */
function fill(line: string, values: Record<string, string>): string {
  return line.replace(/<([^<>]+)>/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`the README has a placeholder the test does not know: ${whole}`);
    return values[name]!;
  });
}

describe('README quick start', () => {
  let eventId: string;

  it('2. records from Node: quickstart.mjs prints the event_id and "pending" (signed, not sealed yet)', async () => {
    project.write('quickstart.mjs', markedBlock(README, 'quickstart: node').code);
    const lines = markedBlock(README, 'quickstart: node-run').code.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(lines).toEqual([
      'export AEGISLOG_URL=http://127.0.0.1:8787',
      "export AEGISLOG_KEY='<read key from the banner>'",
      'node quickstart.mjs',
    ]);
    // "the URL aegislog dev printed": this run's port; the key from the banner.
    const script = [lines[0]!.replace('http://127.0.0.1:8787', banner.url), fill(lines[1]!, { 'read key from the banner': banner.read }), lines[2]!].join('\n');
    const { code, output } = await run(script, project.dir);
    expect(output).toMatch(/^[0-9a-f-]{36} pending\n$/);
    expect(code).toBe(0);
    eventId = output.split(' ')[0]!;
  });

  it('3. seals, fetches the evidence and the key, and aegislog verify passes every check; verify.mjs agrees', async () => {
    const lines = markedBlock(README, 'quickstart: verify-run').code.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    const values = {
      'admin key from the banner': banner.admin,
      'event_id printed by quickstart.mjs': eventId,
      'signing key id from the banner': banner.kid,
    };
    const script = lines.map((l) => fill(l, values)).join('\n');
    const { code, output } = await run(`set -e\n${script}`, project.dir, { AEGISLOG_URL: banner.url, AEGISLOG_KEY: banner.read });
    expect(output).toMatch(/✓ digest\n✓ receipt_signature\n✓ inclusion\n✓ period\n✓ head_inclusion\n✓ checkpoint_signature\n– witnesses: skipped[^\n]*\n– consistency: skipped[^\n]*\n✓ sealed evidence demo\/\S+: all 6 checks passed/);
    expect(code).toBe(0);

    project.write('verify.mjs', markedBlock(README, 'verify-snippet').code);
    const verified = await run('node verify.mjs', project.dir);
    expect(verified.output).toMatch(/^true sealed \{/);
    expect(verified.code).toBe(0);
  });

  it('"Verify from a shell": the period\'s export audits offline, the bundle verifies, keygen writes a key pair', async () => {
    const lines = markedBlock(README, 'quickstart: shell').code.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    // "<period_start in sealed.json>": what step 3's seal answered, read as a user reads it.
    const sealed = JSON.parse(readFileSync(join(project.dir, 'sealed.json'), 'utf8')) as { sealed: { period_start: string }[] };
    expect(sealed.sealed).toHaveLength(1);
    const script = lines.map((l) => fill(l, { 'period_start in sealed.json': sealed.sealed[0]!.period_start })).join('\n');
    const { code, output } = await run(`set -e\n${script}`, project.dir, { AEGISLOG_URL: banner.url, AEGISLOG_KEY: banner.read });
    expect(output).toMatch(/audit passed/);
    expect(output).toMatch(/all 6 checks passed/);
    expect(code).toBe(0);
    expect(readFileSync(join(project.dir, 'demo.ndjson'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3); // a header, then both receipts
    expect(readdirSync(join(project.dir, 'keys'))).toEqual(expect.arrayContaining(['private.jwk.json']));
  });
});
