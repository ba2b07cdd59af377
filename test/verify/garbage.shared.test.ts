import { beforeAll, describe, expect, it } from 'vitest';
import { importPublicKey, verifyEvidence, type EvidenceBundleV1, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let bundle: EvidenceBundleV1;

beforeAll(async () => {
  const signer = await makeSigner();
  key = (await importPublicKey(signer.publicKey)) as VerifyKey;
  bundle = (await sealPeriod(signer, { a: 5, b: 2 })).bundles.get('a')![3]!;
});

/** Deterministic PRNG (mulberry32), so a failure here can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const WEIRD: unknown[] = [
  null, undefined, 0, -1, 1.5, NaN, Infinity, 2 ** 60, '', 'x', '\ud800', 'AAAA', true, [], [null], {}, { v: 1 },
  Symbol('s'), () => 1, 10n, new Uint8Array(32), new Date(0), Object.create(null), { toJSON: () => { throw new Error('boom'); } },
];

describe('garbage bundles never throw', () => {
  it('top-level values of every type give ok:false with status invalid', async () => {
    for (const value of WEIRD) {
      const report = await verifyEvidence(value, { keys: key });
      expect(report.ok, String(typeof value)).toBe(false);
      expect(report.status).toBe('invalid');
      expect(report.checks.bundle).toMatchObject({ ok: false, reason: expect.any(String) });
      expect(report.checks.digest).toMatchObject({ ok: false });
    }
  });

  it('each section replaced by each weird value gives ok:false with reasons, never a throw', async () => {
    for (const section of Object.keys(bundle)) {
      for (const value of WEIRD) {
        const report = await verifyEvidence({ ...bundle, [section]: value }, { keys: key });
        expect(report.ok, `${section} = ${String(typeof value)}`).toBe(false);
        for (const check of Object.values(report.checks)) if (!check!.ok) expect(check!.reason).toEqual(expect.any(String));
      }
    }
  });

  it('getters that throw, cycles, and deep nesting are reported, not thrown', async () => {
    const hostile = { ...bundle };
    Object.defineProperty(hostile, 'status', { get: () => { throw new Error('getter'); }, enumerable: true });
    expect(await verifyEvidence(hostile, { keys: key })).toMatchObject({ ok: false, status: 'invalid' });
    const cyclic: Record<string, unknown> = { ...bundle.event };
    cyclic.self = cyclic;
    expect((await verifyEvidence({ ...bundle, event: cyclic }, { keys: key })).checks.digest).toMatchObject({ ok: false });
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect((await verifyEvidence({ ...bundle, event: { ...bundle.event, deep } }, { keys: key })).ok).toBe(false);
  });

  it('2,000 seeded random corruptions of nested fields: never a throw, ok:false unless the value did not change', async () => {
    const random = prng(20261127);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    for (let round = 0; round < 2_000; round++) {
      const copy = structuredClone(bundle) as unknown as Record<string, unknown>;
      let node = copy;
      let same = false;
      for (let depth = 0; depth < 3; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const k = pick(keys);
        const child = node[k];
        if (depth < 2 && child && typeof child === 'object' && random() < 0.6) node = child as Record<string, unknown>;
        else {
          const replacement = pick(WEIRD);
          same = Object.is(child, replacement);
          node[k] = replacement;
          break;
        }
      }
      const report = await verifyEvidence(copy, { keys: key });
      expect(typeof report.ok).toBe('boolean');
      if (!same) expect(report.ok, `round ${round}`).toBe(false);
    }
  });
});
