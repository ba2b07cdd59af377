// Mutation tests over version-2 evidence (PROTOCOL.md §6): every field of a valid bundle,
// tenant head, checkpoint note, export and history, changed one at a time, is rejected by
// the check that owns it (others may fail too), and nothing makes the verifier throw.
import { describe, expect, it } from 'vitest';
import bundleJson from '../vectors/aegislog-v2/bundles/note-both-w1-w2.json';
import exportText from '../vectors/aegislog-v2/exports/beta.health-p4.ndjson?raw';
import historyJson from '../vectors/aegislog-v2/histories/history-full-2of2.json';
import policy2of2 from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import policyNone from '../vectors/aegislog-v2/policy-none.txt?raw';
import { auditExport, verifyEvidence, verifyHistory, type Check } from '../../src/verify/index.js';

const now = Date.parse('2026-12-31T00:00:00.000Z');
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every leaf of a JSON value, with its path. */
function leaves(value: Json, path: Path = []): Path[] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
  }
  return [path];
}

function mutateAt<T>(root: T, path: Path, change: (old: Json) => Json): T {
  const copy = structuredClone(root) as unknown as Json;
  let node = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  const last = path.at(-1)!;
  node[last] = change(node[last]!);
  return copy as unknown as T;
}

/** A different value of the same kind: base64url stays base64url, times stay times, notes stay notes. */
function changed(old: Json): Json {
  if (typeof old === 'number') return old + 1 !== old ? old + 1 : old * 2; // 1e21 + 1 is 1e21
  if (typeof old === 'boolean') return !old;
  if (old === null) return 0;
  const s = old as string;
  if (/^\d{4}-\d\d-\d\dT/.test(s)) return s.replace(/\.(\d)/, (_, d: string) => `.${(Number(d) + 1) % 10}`);
  const i = Math.floor(s.length / 2); // a middle character: base64 padding rules still hold
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

const failedCheck = (checks: Record<string, Check | undefined>, name: string) => checks[name]?.status === 'failed';

describe('v2 bundle mutations', () => {
  const bundle = bundleJson as unknown as Record<string, Json>;
  const verify = (b: unknown) => verifyEvidence(b, { policy: policy2of2, now });

  /** The check a change to each field must fail. */
  function owner(path: Path): string {
    const [top, field] = path as [string, string | undefined];
    if (top === 'v' || top === 'status') return 'bundle';
    if (top === 'origin' || top === 'checkpoint') return 'checkpoint_signature';
    if (top === 'event') return 'digest';
    if (top === 'receipt') return field === 'trace_id' ? 'digest' : 'receipt_signature';
    if (top === 'leaf_index') return 'inclusion';
    if (top === 'tenant_head' || top === 'head_index') return 'head_inclusion';
    return top; // inclusion, head_inclusion
  }

  it('the unmutated bundle verifies under the 2-of-2 policy', async () => {
    expect((await verify(bundle)).ok).toBe(true);
  });

  it('changing any one field (but the note) fails the check that owns it', async () => {
    const paths = leaves(bundle).filter((p) => p[0] !== 'checkpoint');
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const report = await verify(mutateAt(bundle, path, changed));
      expect(report.ok, path.join('.')).toBe(false);
      expect(report.checks[owner(path) as 'digest'], `${path.join('.')} -> ${owner(path)}`).toMatchObject({ status: 'failed', reason: expect.any(String) });
    }
  });

  it('removing any one field fails the check that owns it; a sealed bundle relabelled pending proves only its receipt', async () => {
    for (const top of Object.keys(bundle)) {
      const copy: Record<string, Json> = { ...bundle };
      delete copy[top];
      const report = await verify(copy);
      expect(report.ok, top).toBe(false);
      expect(report.checks[owner([top]) as 'digest'], top).toMatchObject({ status: 'failed' });
    }
    const pending = await verify({ ...bundle, status: 'pending' });
    expect(pending).toMatchObject({ ok: true, status: 'pending' });
    expect(pending.checks.inclusion).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/pending/) });
  });

  it('the note: its origin, size and root lines fail checkpoint_signature; each log signature byte too; each cosignature byte fails witnesses', async () => {
    const note = bundle.checkpoint as string;
    const [body, signatures] = note.split('\n\n') as [string, string];
    const lines = body.split('\n');
    for (let i = 0; i < 3; i++) {
      const mutated = lines.map((line, j) => (j === i ? (changed(line) as string) : line)).join('\n');
      const report = await verify({ ...bundle, checkpoint: `${mutated}\n\n${signatures}` });
      expect(failedCheck(report.checks, 'checkpoint_signature'), `note line ${i}`).toBe(true);
    }
    const sigLines = signatures.split('\n').filter(Boolean);
    expect(sigLines).toHaveLength(4);
    for (const [k, line] of sigLines.entries()) {
      const [dash, name, b64] = line.split(' ') as [string, string, string];
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      for (let i = 4; i < bytes.length; i += 7) {
        const flipped = bytes.slice();
        flipped[i]! ^= 0x01;
        const mutatedLine = `${dash} ${name} ${btoa(String.fromCharCode(...flipped))}`;
        const mutated = `${body}\n\n${sigLines.map((l, j) => (j === k ? mutatedLine : l)).join('\n')}\n`;
        const report = await verify({ ...bundle, checkpoint: mutated });
        const expected = name.startsWith('witness.') ? 'witnesses' : 'checkpoint_signature';
        expect(failedCheck(report.checks, expected), `${name} byte ${i}`).toBe(true);
        expect(report.ok).toBe(false);
      }
    }
    // A note with an extension line is refused (PROTOCOL.md §4.4).
    const extended = await verify({ ...bundle, checkpoint: `${body}\nextension\n\n${signatures}` });
    expect(failedCheck(extended.checks, 'checkpoint_signature')).toBe(true);
  });

  it('weird values in every section never throw', async () => {
    const weird: unknown[] = [null, undefined, 0, -1, 1.5, NaN, 2 ** 60, '', 'x', '\ud800', true, [], {}, 10n, Symbol('s'), () => 1, { toJSON: () => { throw new Error('boom'); } }];
    for (const section of Object.keys(bundle)) {
      for (const value of weird) {
        const report = await verify({ ...bundle, [section]: value });
        expect(report.ok, `${section} = ${String(typeof value)}`).toBe(false);
        for (const check of Object.values(report.checks)) if (check!.status !== 'passed') expect(check!.reason).toEqual(expect.any(String));
      }
    }
  });
});

describe('v2 export mutations', () => {
  const [headerLine, ...receiptLines] = exportText.trim().split('\n') as [string, ...string[]];
  const header = JSON.parse(headerLine) as Record<string, Json>;
  const receipts = receiptLines.map((l) => JSON.parse(l) as Record<string, Json>);
  const text = (h: unknown, lines: unknown[]) => [JSON.stringify(h), ...lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))].join('\n');
  const audit = (t: string) => auditExport(t, { policy: policyNone, now, verifySignatures: true });

  function headerOwner(path: Path): string {
    const [top] = path as [string];
    if (top === 'v' || top === 'kind') return 'header';
    if (top === 'origin' || top === 'checkpoint') return 'checkpoint_signature';
    if (top === 'tenant_head' || top === 'head_index') return 'head_inclusion';
    if (top.startsWith('prev_head')) return 'prev_head_inclusion';
    if (top === 'frontier_b64url') return 'frontier';
    return top;
  }

  it('the unmutated export passes', async () => {
    expect((await audit(exportText)).ok).toBe(true);
  });

  it('changing any header field fails the check that owns it', async () => {
    for (const path of leaves(header)) {
      const report = await audit(text(mutateAt(header, path, changed), receipts));
      expect(report.ok, path.join('.')).toBe(false);
      expect(failedCheck(report.checks, headerOwner(path)), `${path.join('.')} -> ${headerOwner(path)}: ${JSON.stringify(report.checks)}`).toBe(true);
    }
  });

  it('changing any receipt field fails root (hashed), entries (leaf_index, ok) or signatures; trace_id is neither hashed nor signed', async () => {
    const owners: Record<string, string> = { leaf_index: 'entries', ok: 'entries', signature_b64url: 'signatures' };
    for (const [i, receipt] of receipts.entries()) {
      for (const field of Object.keys(receipt)) {
        if (field === 'trace_id') continue; // only an event line pins it (see the events test)
        const lines = receipts.map((r, j) => (j === i ? { ...r, [field]: changed(r[field]!) } : r));
        const report = await audit(text(header, lines));
        const expected = owners[field] ?? 'root';
        expect(failedCheck(report.checks, expected), `line ${i} ${field} -> ${expected}`).toBe(true);
        expect(report.ok).toBe(false);
      }
    }
  });

  it('a line out of order, missing, repeated or extra fails entries and names its leaf_index', async () => {
    const swapped = [receipts[1], receipts[0], ...receipts.slice(2)];
    const missing = [receipts[0], ...receipts.slice(2)];
    const repeated = [receipts[0], receipts[0], ...receipts.slice(1)];
    const extra = [...receipts, { ...receipts.at(-1)!, leaf_index: (receipts.at(-1)!.leaf_index as number) + 1 }];
    for (const [what, lines, leaf] of [['swapped', swapped, 4], ['missing', missing, 5], ['repeated', repeated, 3], ['extra', extra, 8]] as const) {
      const report = await audit(text(header, [...lines]));
      expect(report.checks.entries, what).toMatchObject({ status: 'failed' });
      expect(report.problems.some((p) => p.check === 'entries' && p.leafIndex === leaf), `${what}: ${JSON.stringify(report.problems)}`).toBe(true);
      expect(report.ok).toBe(false);
    }
    const truncated = await audit(text(header, receipts.slice(0, -1)));
    expect(truncated.checks.entries).toMatchObject({ status: 'failed', reason: expect.stringMatching(/missing/) });
    expect(truncated.checks.root).toMatchObject({ status: 'failed' });
  });

  it('lines that are not receipts, and a second header, are entries problems; nothing throws', async () => {
    for (const bad of ['not json', '[1,2]', '{}', '"x"', JSON.stringify(header), '{"v":1,"leaf_index":"3"}', '\u0000']) {
      const report = await audit(text(header, [bad, ...receipts]));
      expect(report.checks.entries, bad).toMatchObject({ status: 'failed' });
      expect(report.ok).toBe(false);
    }
    for (const garbage of ['', '\n\n', 'x', '{}', '[]', 'null', JSON.stringify({ ...header, v: 1 })]) {
      const report = await audit(garbage);
      expect(report).toMatchObject({ ok: false, status: 'invalid' });
      expect(report.checks.header).toMatchObject({ status: 'failed' });
    }
  });

  it('event lines: the event must hash to the receipt digest and name the receipt', async () => {
    const event = { tenant_id: 'beta.health', event_type: 'x', event_id: receipts[0]!.event_id, trace_id: receipts[0]!.trace_id };
    const report = await audit(text(header, [{ ...receipts[0], event }, ...receipts.slice(1)]));
    expect(report.checks.events).toMatchObject({ status: 'failed', reason: expect.stringMatching(/SHA-256 of the event/) });
  });
});

describe('v2 history mutations', () => {
  const history = historyJson as unknown as Record<string, Json>;
  const verify = (h: unknown) => verifyHistory(h, { policy: policy2of2, now });

  function historyOwner(path: Path): string | undefined {
    const [top, , field] = path as [string, number, string];
    if (top === 'v') return 'history';
    if (top === 'origin') return 'origin';
    if (field === 'note') return 'signatures';
    if (field === 'tree_size') return 'sizes';
    if (field === 'consistency_b64url') return 'consistency';
    return undefined; // period_start, period_end, sealed_at: not signed (§6.3), shown as given
  }

  it('the unmutated history verifies', async () => {
    expect((await verify(history)).ok).toBe(true);
  });

  it('changing any signed or proven field fails its check; the unsigned period fields change nothing', async () => {
    for (const path of leaves(history)) {
      const report = await verify(mutateAt(history, path, changed));
      const name = historyOwner(path);
      if (name === undefined) {
        expect(report.ok, path.join('.')).toBe(true);
        continue;
      }
      expect(report.ok, path.join('.')).toBe(false);
      // A changed note may also break its pair's consistency; the signature check owns it.
      expect(failedCheck(report.checks, name), `${path.join('.')} -> ${name}`).toBe(true);
    }
  });

  it('entries out of order, a dropped middle entry with its proof, and a fork at equal size are caught', async () => {
    const list = history.checkpoints as Json[];
    const swapped = { ...history, checkpoints: [list[1], list[0], ...list.slice(2)] };
    expect((await verify(swapped)).checks.sizes).toMatchObject({ status: 'failed' });
    const forked = structuredClone(history) as { checkpoints: { note: string; tree_size: number }[] };
    forked.checkpoints.push({ ...forked.checkpoints[0]!, tree_size: forked.checkpoints.at(-1)!.tree_size });
    expect((await verify(forked)).ok).toBe(false);
    expect((await verify({ ...history, checkpoints: [] })).checks.history).toMatchObject({ status: 'failed' });
    for (const weird of [null, 1, 'x', [], { v: 2 }, { v: 2, origin: 'o', checkpoints: [null, 1, 'x'] }]) {
      expect((await verify(weird)).ok).toBe(false);
    }
  });

  it('a consistency proof that is a sparse array (an API caller\'s) is a failed check, never a throw', async () => {
    const sparse = structuredClone(history) as { checkpoints: { tree_size: number; consistency_b64url?: unknown }[] };
    const at = sparse.checkpoints.findIndex((c, i) => i > 0 && c.tree_size > sparse.checkpoints[i - 1]!.tree_size);
    expect(at).toBeGreaterThan(0);
    sparse.checkpoints[at]!.consistency_b64url = new Array(1);
    const report = await verify(sparse);
    expect(report.ok).toBe(false);
    expect(report.checks.consistency).toMatchObject({ status: 'failed', reason: expect.stringContaining('consistency_b64url[0]') });
  });

  it('a note that cannot be read leaves its pairs unchecked: consistency is skipped, never passed', async () => {
    const broken = structuredClone(history) as { checkpoints: { note: string }[] };
    broken.checkpoints[3]!.note = 'not a note';
    const report = await verify(broken);
    expect(report.ok).toBe(false);
    expect(report.checks.signatures).toMatchObject({ status: 'failed' });
    expect(report.checks.consistency).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^2 pairs not checked \(first: #2 → #3: /) });
    expect(report.entries.map((e) => e.consistency.status)).toEqual(['skipped', 'passed', 'passed', 'skipped', 'skipped', 'passed', 'passed']);
  });
});
