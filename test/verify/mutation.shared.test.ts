import { beforeAll, describe, expect, it } from 'vitest';
import { b64uDecode, b64uEncode } from '../../src/protocol/index.js';
import { importPublicKey, verifyEvidence, type EvidenceBundleV1, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let bundle: EvidenceBundleV1;

beforeAll(async () => {
  const signer = await makeSigner();
  key = (await importPublicKey(signer.publicKey)) as VerifyKey;
  // Leaf 2 of 6 in tenant "b", the middle tenant of 3: both paths have left and right siblings.
  bundle = (await sealPeriod(signer, { a: 3, b: 6, c: 2 })).bundles.get('b')![2]!;
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every leaf of a JSON value with its path. */
function leaves(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
  }
  return [path];
}

function mutateAt(root: EvidenceBundleV1, path: (string | number)[], change: (old: Json) => Json): EvidenceBundleV1 {
  const copy = structuredClone(root) as unknown as Json;
  let node = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  node[last] = change(node[last]!);
  return copy as unknown as EvidenceBundleV1;
}

/** A different value of the same kind; base64url stays base64url, times stay times. */
function changed(old: Json): Json {
  if (typeof old === 'number') return old + 1;
  if (typeof old === 'boolean') return !old;
  if (old === null) return 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const s = old as string;
  if (/^\d{4}-\d\d-\d\dT/.test(s)) return s.replace(/\.(\d)/, (_, d: string) => `.${(Number(d) + 1) % 10}`);
  const i = s.length - 3; // a middle character, so that base64url trailing-bit rules still hold
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

/** The check a change to each field must fail (others may fail too). */
function expectedCheck(path: (string | number)[]): string {
  const [top, field] = path as [string, string | undefined];
  if (top === 'status') return 'bundle';
  // v 1 -> 2 makes it a version-2 bundle, which has no leaf_index: its inclusion check cannot pass.
  if (top === 'v') return 'inclusion';
  if (top === 'event') return 'digest';
  if (top === 'receipt') return field === 'trace_id' ? 'digest' : 'receipt_signature';
  if (top === 'tenant_head') return 'tenant_inclusion';
  if (top === 'checkpoint') return 'checkpoint_signature';
  return top; // inclusion, tenant_inclusion
}

describe('mutation: every field of a valid sealed bundle, every signature and path byte', () => {
  it('the unmutated bundle verifies', async () => {
    expect((await verifyEvidence(bundle, { keys: key })).ok).toBe(true);
  });

  it('changing any one field gives ok:false naming the right check', async () => {
    const paths = leaves(bundle as unknown as Json);
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const report = await verifyEvidence(mutateAt(bundle, path, changed), { keys: key });
      const name = expectedCheck(path);
      expect(report.ok, path.join('.')).toBe(false);
      expect(report.checks[name as keyof typeof report.checks], `${path.join('.')} -> ${name}`).toMatchObject({ ok: false, reason: expect.any(String) });
    }
  });

  it('removing any one field gives ok:false naming the right check (optional event fields excepted: the digest covers their absence)', async () => {
    for (const top of Object.keys(bundle) as (keyof EvidenceBundleV1)[]) {
      const report = await verifyEvidence({ ...bundle, [top]: undefined }, { keys: key });
      expect(report.ok, top).toBe(false);
    }
    for (const section of ['receipt', 'tenant_head', 'inclusion', 'tenant_inclusion', 'checkpoint'] as const) {
      for (const field of Object.keys(bundle[section]!)) {
        const copy = structuredClone(bundle) as unknown as Record<string, Record<string, unknown>>;
        delete copy[section]![field];
        const report = await verifyEvidence(copy, { keys: key });
        expect(report.ok, `${section}.${field}`).toBe(false);
        expect(report.checks[expectedCheck([section, field]) as 'digest'], `${section}.${field}`).toMatchObject({ ok: false });
      }
    }
  });

  it('flipping any bit-pattern of any byte of either signature fails that signature check', async () => {
    for (const [section, check] of [['receipt', 'receipt_signature'], ['checkpoint', 'checkpoint_signature']] as const) {
      const der = b64uDecode(bundle[section]!.signature_b64url);
      for (let i = 0; i < der.length; i++) {
        for (const mask of [0x01, 0x80]) {
          const flipped = der.slice();
          flipped[i]! ^= mask;
          const report = await verifyEvidence(mutateAt(bundle, [section, 'signature_b64url'], () => b64uEncode(flipped)), { keys: key });
          expect(report.checks[check], `${section} byte ${i} ^ ${mask}`).toMatchObject({ ok: false });
          expect(report.ok).toBe(false);
        }
      }
    }
  });

  it('flipping any byte of any path element fails that inclusion check', async () => {
    for (const section of ['inclusion', 'tenant_inclusion'] as const) {
      const path = bundle[section]!.path_b64url;
      expect(path.length).toBeGreaterThanOrEqual(2);
      for (const [e, element] of path.entries()) {
        const bytes = b64uDecode(element);
        for (let i = 0; i < bytes.length; i++) {
          const flipped = bytes.slice();
          flipped[i]! ^= 0x40;
          const report = await verifyEvidence(mutateAt(bundle, [section, 'path_b64url', e], () => b64uEncode(flipped)), { keys: key });
          expect(report.checks[section], `${section}[${e}] byte ${i}`).toMatchObject({ ok: false });
          expect(report.ok).toBe(false);
        }
      }
    }
  });
});
