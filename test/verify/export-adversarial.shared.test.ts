// Adversarial period exports (PROTOCOL.md §6.2) built here and signed with a log key made in the test:
// whatever the lines hold, auditExport answers with a report naming the check at fault, never a throw.
import { beforeAll, describe, expect, it } from 'vitest';
import { b64uEncode, receiptHash, tenantHeadHash } from '../../src/protocol/index.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { inclusionProof, merkleRoot } from '../../src/tlog/merkle.js';
import { signNote } from '../../src/tlog/note.js';
import type { ed25519NoteSigner } from '../../src/verify/note-signers.js';
import { auditExport, auditPeriod, importPublicKey } from '../../src/verify/index.js';
import { firstHeadExport, testLogKey } from './helpers/first-head-export.js';

const ORIGIN = 'adversarial.aegislog.test/log';
let policy: string;
let signer: Awaited<ReturnType<typeof ed25519NoteSigner>>;

beforeAll(async () => void ({ signer, policy } = await testLogKey(ORIGIN)));

/** An export of a tenant's first head over the receipt lines as given (each leaf: receipt_hash of the line read by JSON.parse). */
const exportOf = (lines: string[]): Promise<string> => firstHeadExport(ORIGIN, signer, lines.map((line) => JSON.parse(line)), lines);

function receiptLine(i: number, keyId: string): string {
  return JSON.stringify({
    v: 1, tenant_id: 'alpha', event_id: `e${i}`, digest_b64url: b64uEncode(new Uint8Array(32).fill(i)),
    received_at: `2026-10-01T00:00:0${i}.000Z`, key_id: keyId, signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: `t${i}`,
    signature_b64url: 'MEUCIQ', leaf_index: i,
  });
}

describe('export lines whose receipt statement is longer than a hashing lane', () => {
  // A statement over ~950 bytes (here a 1,000-character key_id) is hashed on its own; without
  // verifySignatures that path once queued a signature check that nobody had asked for, and threw a TypeError.
  const long = 'k'.repeat(1000);

  it('are audited without receipt signatures: the root holds, no throw', async () => {
    const text = await exportOf([receiptLine(0, 'short'), receiptLine(1, long), receiptLine(2, 'short')]);
    const report = await auditExport(text, { policy });
    expect(report.reason).toBeUndefined();
    expect(report).toMatchObject({ ok: true, count: 3 });
    expect(report.checks.root.status).toBe('passed');
    expect(report.checks.signatures.status).toBe('skipped');
  });

  it('a changed long line still fails the root (the long path hashes what the line says)', async () => {
    const text = await exportOf([receiptLine(0, 'short'), receiptLine(1, long)]);
    const report = await auditExport(text.replace(long, `${long.slice(1)}j`), { policy });
    expect(report.ok).toBe(false);
    expect(report.checks.root).toMatchObject({ status: 'failed' });
  });

  it('with verifySignatures, the long line is checked and its bad signature named', async () => {
    const text = await exportOf([receiptLine(0, long)]);
    const report = await auditExport(text, { policy, verifySignatures: true });
    expect(report.checks.root.status).toBe('passed');
    expect(report.checks.signatures.status).not.toBe('passed');
    expect(report.ok).toBe(false);
  });
});

describe('an export line whose event is not an object', () => {
  // The plain reader (receipt-line.ts) skipped a scalar `event` member as unknown, so `"event":null` passed
  // while `"event": null` (one space: the general path) failed the events check. Both fail it now.
  const withEvent = (value: string, space = '') => receiptLine(0, 'k').replace(/}$/, `,${space}"event":${value}}`);

  for (const value of ['null', '1', 'true', '"hello"']) {
    it(`"event":${value} fails the events check, however the line is spaced`, async () => {
      for (const space of ['', ' ']) {
        const line = withEvent(value, space);
        const report = await auditExport(await exportOf([line]), { policy });
        expect(report.checks.root.status, line).toBe('passed');
        expect(report.checks.events, line).toMatchObject({ status: 'failed', reason: expect.stringContaining('event is not an object') });
        expect(report.ok, line).toBe(false);
      }
    });
  }

  it('a line without event still takes the plain path and passes', async () => {
    const report = await auditExport(await exportOf([receiptLine(0, 'k'), receiptLine(1, 'k')]), { policy });
    expect(report).toMatchObject({ ok: true });
    expect(report.checks.events.status).toBe('skipped');
  });
});

describe('a receipt line that also says it is an export header', () => {
  // `"kind":"aegislog-export"` on a receipt line: the general path refuses it as a second header, the plain
  // reader once took it as a receipt (so one space decided). Both refuse it now.
  for (const space of ['', ' ']) {
    it(`is a second header${space ? ' (spaced)' : ''}`, async () => {
      const line = receiptLine(0, 'k').replace(/}$/, `,${space}"kind":"aegislog-export"}`);
      const report = await auditExport(await exportOf([line]), { policy });
      expect(report.ok).toBe(false);
      expect(report.checks.entries).toMatchObject({ status: 'failed', reason: expect.stringContaining('a second export header') });
    });
  }
});

describe('a tenant head that says it is the first (prev_tree_size 0) and names a previous head', () => {
  // A bundle's period check refuses such a head (§4.2: prev_head_index is null exactly for the first head);
  // an export audit once took it, skipping prev_head_inclusion as "the tenant's first head".
  async function exportWithHead(prevHeadIndex: number | null): Promise<string> {
    const line = receiptLine(0, 'k').replace('2026-10-01T00:00:00.000Z', '2026-10-02T00:00:00.000Z');
    const earlier = {
      v: 2 as const, tenant_id: 'alpha', period_start: '2026-10-01T00:00:00.000Z', period_end: '2026-10-02T00:00:00.000Z',
      tree_size: 1, root_b64url: b64uEncode(new Uint8Array(32)), prev_tree_size: 0, prev_head_index: null,
    };
    const head = {
      v: 2 as const, tenant_id: 'alpha', period_start: '2026-10-02T00:00:00.000Z', period_end: '2026-10-03T00:00:00.000Z',
      tree_size: 1, root_b64url: b64uEncode(merkleRoot([receiptHash(JSON.parse(line))])), prev_tree_size: 0, prev_head_index: prevHeadIndex,
    };
    const rootLeaves = [tenantHeadHash(earlier), tenantHeadHash(head)];
    const note = await signNote(formatCheckpoint(ORIGIN, 2, merkleRoot(rootLeaves)), [signer]);
    const header = {
      v: 2, kind: 'aegislog-export', origin: ORIGIN, tenant_head: head, head_index: 1,
      head_inclusion: { tree_size: 2, path_b64url: inclusionProof(1, rootLeaves).map(b64uEncode) },
      prev_head: null, prev_head_index: null, prev_head_inclusion: null, frontier_b64url: [], checkpoint: note,
    };
    return `${JSON.stringify(header)}\n${line}\n`;
  }

  it('with prev_head_index null it is the first head, and the export holds', async () => {
    const report = await auditExport(await exportWithHead(null), { policy });
    expect(report.reason).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  it('with prev_head_index set it fails prev_head_inclusion', async () => {
    const report = await auditExport(await exportWithHead(0), { policy });
    expect(report.ok).toBe(false);
    expect(report.checks.prev_head_inclusion).toMatchObject({ status: 'failed', reason: expect.stringContaining('prev_head_index is null exactly when prev_tree_size is 0') });
  });
});

describe('what is not an export source', () => {
  // The caller's mistake, thrown as AegisLogError ERR_CONFIG like its others: once a bare TypeError.
  it('auditExport refuses a number, a plain object, and an iterable holding something other than strings or bytes', async () => {
    const text = await exportOf([receiptLine(0, 'k')]);
    const [header, line] = text.split('\n') as [string, string];
    for (const source of [42, {}, [`${header}\n`, 5, `${line}\n`]]) {
      await expect(auditExport(source as never, { policy })).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG' });
    }
  });

  it('auditPeriod refuses a number and a plain object', async () => {
    const head = { v: 1, tenant_id: 'alpha', period_start: '2026-10-01T00:00:00.000Z', period_end: '2026-10-02T00:00:00.000Z', tree_size: 1, root_b64url: b64uEncode(new Uint8Array(32)) };
    const keys = await importPublicKey({ kty: 'EC', crv: 'P-256', x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4', y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM' });
    for (const source of [42, {}]) {
      await expect(auditPeriod(source as never, head, { keys })).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG' });
    }
  });
});

describe('an export whose header line is not UTF-8', () => {
  it('fails header saying so, not "not a JSON export header", and never throws', async () => {
    const text = await exportOf([receiptLine(1, 'k1')]);
    const bytes = new TextEncoder().encode(text);
    const at = bytes.indexOf(0x22 /* " */, text.indexOf('"origin":"') + '"origin":"'.length - 1) + 1; // the origin's first byte
    bytes[at] = 0xff;
    const report = await auditExport(bytes, { policy });
    expect(report.ok).toBe(false);
    expect(report.checks.header).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not UTF-8/) });
    // A header that is UTF-8 but not JSON keeps its own words.
    const garbage = await auditExport(new TextEncoder().encode('{"v":2,\n'), { policy });
    expect(garbage.checks.header.reason).toMatch(/not a JSON export header/);
  });
});
