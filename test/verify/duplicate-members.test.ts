// The library's entry points that take JSON as text refuse a member name given twice (RFC 8785
// takes I-JSON, RFC 7493): auditExport (v2 exports: a receipt line fails `entries`, a duplicate
// inside a line's event fails `events`, one in the header fails `header`), auditPeriod (v1 lines),
// importPublicKey (JWK text) and the gap counter. Mutations of valid inputs: the forged value
// first (JSON.parse keeps the real one, so these passed before the mend) or last.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { b64uEncode, canonicalBytes, sha256 } from '../../src/protocol/index.js';
import { gapInputCheck } from '../../src/verify/gap-inputs.js';
import { auditExport, auditPeriod, gapCounter, importPublicKey } from '../../src/verify/index.js';
import type { ed25519NoteSigner } from '../../src/verify/note-signers.js';
import { makeSignedLog, type SignedLog } from '../cli/signed-log.js';
import { withDuplicate } from './helpers/duplicate.js';
import { firstHeadExport, testLogKey } from './helpers/first-head-export.js';
import { DAY } from './helpers/seal.js';

const V2 = join(import.meta.dirname, '../vectors/aegislog-v2');
const V1 = join(import.meta.dirname, '../vectors/aegislog-v1');
const twice = (path: string, name: string) => `${path} has the member "${name}" twice`;
const FORGED_DIGEST = 'A'.repeat(43);
const NOW = Date.UTC(2026, 11, 31);

describe('auditExport: a vector export with a member twice', () => {
  const text = readFileSync(join(V2, 'exports/beta.health-p4.ndjson'), 'utf8');
  const lines = text.trim().split('\n');
  const policy = readFileSync(join(V2, 'policy-none.txt'), 'utf8');

  it('passes as given', async () => {
    expect((await auditExport(text, { policy, now: NOW })).ok).toBe(true);
  });

  it.each([true, false])('in a receipt line fails entries, naming the line and member (forged first: %s)', async (forgedFirst) => {
    const changed = [...lines];
    changed[3] = withDuplicate(JSON.parse(lines[3]!), [], 'digest_b64url', FORGED_DIGEST, forgedFirst);
    const report = await auditExport(`${changed.join('\n')}\n`, { policy, now: NOW });
    expect(report.ok).toBe(false);
    expect(report.checks.entries.status).toBe('failed');
    expect(report.problems).toContainEqual(expect.objectContaining({ line: 4, check: 'entries', reason: expect.stringContaining(twice('$', 'digest_b64url')) }));
  });

  it('in a line read from bytes cut anywhere, the same', async () => {
    const changed = [...lines];
    changed[1] = withDuplicate(JSON.parse(lines[1]!), [], 'leaf_index', 7);
    const bytes = new TextEncoder().encode(`${changed.join('\n')}\n`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 97) }, (_, i) => bytes.subarray(97 * i, 97 * (i + 1)));
    const report = await auditExport(chunks, { policy, now: NOW });
    expect(report.problems).toContainEqual(expect.objectContaining({ line: 2, check: 'entries', reason: expect.stringContaining(twice('$', 'leaf_index')) }));
  });

  it.each([true, false])('in the header fails header (forged first: %s)', async (forgedFirst) => {
    const changed = [...lines];
    changed[0] = withDuplicate(JSON.parse(lines[0]!), ['tenant_head'], 'root_b64url', FORGED_DIGEST, forgedFirst);
    const report = await auditExport(`${changed.join('\n')}\n`, { policy, now: NOW });
    expect(report.ok).toBe(false);
    expect(report.checks.header.status).toBe('failed');
    expect(report.checks.header.reason).toContain(twice('$.tenant_head', 'root_b64url'));
  });
});

describe('auditExport: an export with events, one of which gives a member twice', () => {
  const ORIGIN = 'duplicate.aegislog.test/log';
  let policy: string;
  let signer: Awaited<ReturnType<typeof ed25519NoteSigner>>;
  beforeAll(async () => void ({ signer, policy } = await testLogKey(ORIGIN)));

  /** A receipt line with its event, whose digest is the event's as JCS hashes it. */
  const line = (i: number) => {
    const event = { tenant_id: 'alpha', event_id: `e${i}`, trace_id: `t${i}`, event_type: 'decision', detail: { decision: 'denied', by: 'model' } };
    return {
      v: 1, tenant_id: 'alpha', event_id: `e${i}`, digest_b64url: b64uEncode(sha256(canonicalBytes(event))), received_at: `2026-10-01T00:00:0${i}.000Z`,
      key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: `t${i}`, signature_b64url: 'MEUCIQ', leaf_index: i, event,
    };
  };

  const exportOf = (receipts: Record<string, unknown>[], texts: string[]) => firstHeadExport(ORIGIN, signer, receipts, texts);


  it.each([true, false])('fails events, naming the event object and member; the receipt itself stands (forged first: %s)', async (forgedFirst) => {
    const receipts = [line(0), line(1), line(2)];
    const texts = receipts.map((r) => JSON.stringify(r));
    texts[1] = withDuplicate(receipts[1], ['event', 'detail'], 'decision', 'approved', forgedFirst);
    const seen: string[] = [];
    const report = await auditExport(await exportOf(receipts, texts), { policy, onEvent: (e) => seen.push(String(e.event_id)) });
    expect(report.ok).toBe(false);
    expect(report.checks.entries.status).toBe('passed');
    expect(report.checks.root.status).toBe('passed');
    expect(report.checks.events.status).toBe('failed');
    expect(report.problems).toEqual([expect.objectContaining({ line: 3, leafIndex: 1, eventId: 'e1', check: 'events', reason: expect.stringContaining(twice('$.event.detail', 'decision')) })]);
    expect(seen).toEqual(['e0', 'e2']); // the event read two ways is never counted
  });

  it('the same export without the duplicate passes', async () => {
    const receipts = [line(0), line(1), line(2)];
    const report = await auditExport(await exportOf(receipts, receipts.map((r) => JSON.stringify(r))), { policy });
    expect(report.ok).toBe(true);
  });

  it('the gap counter and the gap inputs refuse the line too', () => {
    const receipt = line(1);
    const text = withDuplicate(receipt, ['event'], 'event_type', 'forged');
    const counter = gapCounter();
    counter.addLine(JSON.stringify(line(0)));
    counter.addLine(text);
    const report = counter.report();
    expect(report.refused).toEqual([{ line: 2, reason: expect.stringContaining(twice('$.event', 'event_type')) }]);
    // gapInputCheck reads the lines for overlaps only: a line it cannot read is left to the counter.
    const input = gapInputCheck().file('a.ndjson');
    expect(input.line(text)).toBeUndefined();
  });
});

describe('auditPeriod (v1): a receipt line with a member twice is a problem', () => {
  let log: SignedLog;
  const P0 = Date.UTC(2026, 10, 1);
  beforeAll(async () => {
    log = await makeSignedLog([{ start: P0, end: P0 + DAY, tenants: { acme: 3 } }]);
  });

  it.each([true, false])('event_id twice (forged first: %s)', async (forgedFirst) => {
    const receipts = log.periods[0]!.receipts.get('acme')!.map((r) => r.receipt);
    const lines = receipts.map((r) => JSON.stringify(r));
    const report0 = await auditPeriod(`${lines.join('\n')}\n`, log.bundle(0, 'acme', 0), { keys: await importPublicKey(log.key.publicPem) });
    expect(report0.ok).toBe(true);
    lines[2] = withDuplicate(receipts[2], [], 'event_id', 'forged', forgedFirst);
    const report = await auditPeriod(`${lines.join('\n')}\n`, log.bundle(0, 'acme', 0), { keys: await importPublicKey(log.key.publicPem) });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.reason)).toContainEqual(expect.stringContaining(twice('$', 'event_id')));
  });
});

describe('importPublicKey: JWK text with a member twice', () => {
  const jwk = (JSON.parse(readFileSync(join(V1, 'keys.json'), 'utf8')) as { keys: Record<string, unknown>[] }).keys[0]!;

  it('imports the key as given', async () => {
    await expect(importPublicKey(JSON.stringify(jwk))).resolves.toBeDefined();
  });

  it.each([true, false])('refuses "x" twice with ERR_KEY_INVALID naming it (forged first: %s)', async (forgedFirst) => {
    const text = withDuplicate(jwk, [], 'x', 'A'.repeat(43), forgedFirst);
    await expect(importPublicKey(text)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringContaining(twice('$', 'x')) });
  });

  it('refuses a JWKS whose second key gives "kid" twice, naming the key by its path', async () => {
    const text = withDuplicate({ keys: [jwk, { ...jwk, kid: 'second' }] }, ['keys', 1], 'kid', 'forged');
    await expect(importPublicKey(text)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringContaining(twice('$.keys[1]', 'kid')) });
  });
});
