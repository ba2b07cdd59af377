// A member name given twice is refused by every command that reads JSON (RFC 8785 takes I-JSON,
// RFC 7493, which forbids it): the verifier would read the last value, another reader or a person
// the first. Mutations of the independent vectors: one member given twice, the forged value first
// (JSON.parse keeps the real one: before the mend these passed) or last. A whole file (bundle,
// history, key, checkpoints) with one is unusable input, exit 2, as JSON that does not parse is;
// a receipt line of an export fails `entries`, exit 1, as a line that is not JSON does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Command } from '../../src/cli/command.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { DAY } from '../verify/helpers/seal.js';
import { withDuplicate } from '../verify/helpers/duplicate.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

const V2 = join(import.meta.dirname, '../vectors/aegislog-v2');
const V1 = join(import.meta.dirname, '../vectors/aegislog-v1');
const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const NOW = ['--now', '2026-12-31T00:00:00.000Z'];
const POLICY_NONE = ['--policy', join(V2, 'policy-none.txt')];
const POLICY_2OF2 = ['--policy', join(V2, 'policy-2of2.txt')];
const FORGED_DIGEST = 'A'.repeat(43);
const dir = mkdtempSync(join(tmpdir(), 'aegislog-duplicate-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(command: Command, args: string[]) {
  const io = fakeIO();
  const code = await command.run(args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const twice = (path: string, name: string) => `${path} has the member "${name}" twice`;

describe('aegislog verify: a bundle with a member twice is unusable input (exit 2)', () => {
  const bundle = json(join(V2, 'bundles/acme-bank-p4-leaf256.json'));

  it.each([true, false])('v2, receipt.digest_b64url twice (forged first: %s)', async (forgedFirst) => {
    const path = file(`v2-${forgedFirst}.json`, withDuplicate(bundle, ['receipt'], 'digest_b64url', FORGED_DIGEST, forgedFirst));
    const { code, err } = await run(verifyCommand, [path, ...POLICY_2OF2, ...NOW]);
    expect(err).toContain(`${path}: ${twice('$.receipt', 'digest_b64url')}`);
    expect(code).toBe(2);
  });

  it('v2, a member twice deep inside the event', async () => {
    const path = file('v2-event.json', withDuplicate(bundle, ['event', 'model_context'], 'model_id', 'risk-v5'));
    const { code, err } = await run(verifyCommand, [path, ...POLICY_2OF2, ...NOW]);
    expect(err).toContain(twice('$.event.model_context', 'model_id'));
    expect(code).toBe(2);
  });

  it('v1, receipt.digest_b64url twice, the forged first', async () => {
    const path = file('v1.json', withDuplicate(json(join(V1, 'bundles/000.json')), ['receipt'], 'digest_b64url', FORGED_DIGEST));
    const { code, err } = await run(verifyCommand, [path, '--key', join(V1, 'key.pem')]);
    expect(err).toContain(twice('$.receipt', 'digest_b64url'));
    expect(code).toBe(2);
  });

  it('in a JSON array of bundles, named by its index', async () => {
    const bundles = [json(join(V1, 'bundles/000.json')), json(join(V1, 'bundles/006.json'))];
    const path = file('array.json', withDuplicate(bundles, [1, 'event'], 'event_type', 'forged'));
    const { code, err } = await run(verifyCommand, [path, '--key', join(V1, 'key.pem')]);
    expect(err).toContain(twice('$[1].event', 'event_type'));
    expect(code).toBe(2);
  });

  it('in NDJSON, named by its line', async () => {
    const first = JSON.stringify(json(join(V1, 'bundles/000.json')));
    const second = withDuplicate(json(join(V1, 'bundles/006.json')), ['receipt'], 'ok', false);
    const path = file('bundles.ndjson', `${first}\n${second}\n`);
    const { code, err } = await run(verifyCommand, [path, '--key', join(V1, 'key.pem')]);
    expect(err).toContain(`${path} line 2: ${twice('$.receipt', 'ok')}`);
    expect(code).toBe(2);
  });

  it('a key file (JWK) with a member twice is no usable key (exit 2)', async () => {
    const jwk = (json(join(V1, 'keys.json')) as { keys: Record<string, unknown>[] }).keys[0]!;
    const key = file('key.jwk.json', withDuplicate(jwk, [], 'x', 'A'.repeat(43)));
    const { code, err } = await run(verifyCommand, [join(V1, 'bundles/000.json'), '--key', key]);
    expect(err).toContain(twice('$', 'x'));
    expect(code).toBe(2);
  });
});

describe('aegislog history: a history with a member twice is unusable input (exit 2)', () => {
  it.each([true, false])('checkpoints[1].note twice (forged first: %s)', async (forgedFirst) => {
    const history = json(join(V2, 'histories/history-range.json')) as { checkpoints: { note: string }[] };
    const path = file(`history-${forgedFirst}.json`, withDuplicate(history, ['checkpoints', 1], 'note', history.checkpoints[0]!.note, forgedFirst));
    const { code, err } = await run(historyCommand, [path, ...POLICY_NONE, ...NOW]);
    expect(err).toContain(twice('$.checkpoints[1]', 'note'));
    expect(code).toBe(2);
  });
});

describe('aegislog audit EXPORT (v2): a member twice', () => {
  const lines = readFileSync(join(V2, 'exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');

  it.each([true, false])('in a receipt line fails entries, naming the line and member (forged first: %s)', async (forgedFirst) => {
    const changed = [...lines];
    changed[2] = withDuplicate(JSON.parse(lines[2]!), [], 'digest_b64url', FORGED_DIGEST, forgedFirst);
    const path = file(`export-${forgedFirst}.ndjson`, `${changed.join('\n')}\n`);
    const { code, out } = await run(auditCommand, [path, ...POLICY_NONE, ...NOW, '--json']);
    const report = JSON.parse(out) as { ok: boolean; checks: Record<string, { status: string }>; problems: { line: number; check: string; reason: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.entries!.status).toBe('failed');
    expect(report.problems[0]).toMatchObject({ line: 3, check: 'entries', reason: expect.stringContaining(twice('$', 'digest_b64url')) });
    expect(code).toBe(1);
  });

  it('a member the plain reader does not know, twice, is refused too', async () => {
    const changed = [...lines];
    changed[2] = `${lines[2]!.slice(0, -1)},"note":"a","note":"b"}`;
    const path = file('export-unknown.ndjson', `${changed.join('\n')}\n`);
    const { code, out } = await run(auditCommand, [path, ...POLICY_NONE, ...NOW]);
    expect(out).toContain(twice('$', 'note'));
    expect(code).toBe(1);
  });

  it('in the header is no usable export (exit 2), as a header that is not JSON is', async () => {
    const changed = [...lines];
    changed[0] = withDuplicate(JSON.parse(lines[0]!), ['tenant_head'], 'root_b64url', FORGED_DIGEST);
    const path = file('export-header.ndjson', `${changed.join('\n')}\n`);
    const { code, err } = await run(auditCommand, [path, ...POLICY_NONE, ...NOW]);
    expect(err).toContain(twice('$.tenant_head', 'root_b64url'));
    expect(code).toBe(2);
  });
});

describe('aegislog audit --export (v1): a receipt line with a member twice fails its audit (exit 1)', () => {
  let log: SignedLog;
  const P0 = Date.UTC(2026, 10, 1);
  beforeAll(async () => {
    log = await makeSignedLog([{ start: P0, end: P0 + DAY, tenants: { acme: 3 } }]);
  });

  it.each([true, false])('received_at twice (forged first: %s)', async (forgedFirst) => {
    const receipts = log.periods[0]!.receipts.get('acme')!.map((r) => r.receipt);
    const lines = receipts.map((r) => JSON.stringify(r));
    lines[1] = withDuplicate(receipts[1], [], 'received_at', '2026-11-01T23:00:00.000Z', forgedFirst);
    const exp = file(`v1-${forgedFirst}.ndjson`, `${lines.join('\n')}\n`);
    const { tenant_head, tenant_inclusion, checkpoint } = log.bundle(0, 'acme', 0);
    const head = file('head.json', JSON.stringify({ tenant_head, tenant_inclusion, checkpoint }));
    const checkpoints = file('checkpoints.json', JSON.stringify({ checkpoints: log.checkpoints }));
    const key = file('key.pem', log.key.publicPem);
    const { code, out } = await run(auditCommand, ['--export', exp, '--checkpoints', checkpoints, '--head', head, '--key', key]);
    expect(out).toContain(twice('$', 'received_at'));
    expect(code).toBe(1);
  });

  it('a checkpoints file with a member twice is unusable input (exit 2)', async () => {
    const exp = file('v1-plain.ndjson', `${log.periods[0]!.receipts.get('acme')!.map((r) => JSON.stringify(r.receipt)).join('\n')}\n`);
    const checkpoints = file('checkpoints-dup.json', withDuplicate({ checkpoints: log.checkpoints }, ['checkpoints', 0], 'tree_size', 1));
    const key = file('key.pem', log.key.publicPem);
    const { code, err } = await run(auditCommand, ['--export', exp, '--checkpoints', checkpoints, '--key', key]);
    expect(err).toContain(twice('$.checkpoints[0]', 'tree_size'));
    expect(code).toBe(2);
  });
});
