// docs/cli.md shows what `aegislog verify` prints for a v2 bundle under a policy and for a v1 bundle under
// a key. The bundles it shows are the vectors' (their event ids), and its policy is the vectors' policy of
// either witness: the command, run on those, must print the page's lines exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from '../cli/fake-io.js';
import { ROOT } from './project.js';

const page = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
const V2 = join(ROOT, 'test/vectors/aegislog-v2');
const V1 = join(ROOT, 'test/vectors/aegislog-v1');

/** The lines of the fenced block that starts with `$ COMMAND`, the command line left out. */
function shown(command: string): string[] {
  const at = page.indexOf(`\`\`\`\n$ ${command}\n`);
  expect(at, `docs/cli.md shows \`$ ${command}\``).toBeGreaterThan(-1);
  const body = page.slice(at + 4, page.indexOf('\n```', at + 4));
  return body.split('\n').slice(1);
}

async function verify(args: string[]) {
  const io = fakeIO();
  const code = await verifyCommand.run(args, io);
  return { code, out: io.stdout };
}

describe('docs/cli.md, `aegislog verify`', () => {
  it("its policy.txt is the vectors' policy of either witness (the ECDSA key cut short)", () => {
    const block = /^# policy\.txt\n([\s\S]*?)\n```/m.exec(page)![1]!.split('\n');
    const policy = readFileSync(join(V2, 'policy-1of2.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(block).toHaveLength(policy.length);
    block.forEach((line, i) => expect(policy[i]!.startsWith(line.replace(/…$/, '')), line).toBe(true));
  });

  it('a version-2 bundle under that policy prints the lines the page shows', async () => {
    const { code, out } = await verify([join(V2, 'bundles/acme-bank-p4-leaf256.json'), '--policy', join(V2, 'policy-1of2.txt')]);
    expect(code).toBe(0);
    expect(shown('aegislog verify evidence.json --policy policy.txt')).toEqual(out);
  });

  it('a version-1 bundle under its key prints the lines the page shows', async () => {
    const { code, out } = await verify([join(V1, 'bundles/000.json'), '--key', join(V1, 'key.pem')]);
    expect(code).toBe(0);
    expect(shown('aegislog verify evidence.json --key aegislog-public.pem')).toEqual(out);
  });
});
