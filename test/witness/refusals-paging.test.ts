/**
 * GET <origin hash>/refusals in pages: `limit` (default and most 1,000) and
 * `after` (how many were read already), the next page named in a Link header;
 * a bad parameter is a 400 naming it, and a typed error from Witness.refusals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, witnessHandler, type Refusal, type RefusalKind, type WitnessStore } from '../../src/witness/index.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories, tempDir } from './store-factories.js';

const dir = tempDir('aegislog-paging-');
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/paging', 4)));

const refusal = (i: number, kind: RefusalKind, origin = log.origin): Refusal => ({
  origin, kind, status: 422, reason: `r${i}`, request: `req ${i}`, time: i, cosigned: { size: 1, root: new Uint8Array(32), note: 'n\n' },
});

/** Keeps `n` refusals: up to 1,000 of one kind, then of the next. */
async function fill(store: WitnessStore, n: number): Promise<void> {
  const kinds: RefusalKind[] = ['smaller-tree', 'same-size-other-root', 'inconsistent'];
  for (let i = 0; i < n; i++) await store.update(log.origin, () => ({ refusal: refusal(i, kinds[Math.floor(i / 1000)]!), result: null }));
}

async function setup(n: number) {
  const store = memoryWitnessStore();
  await fill(store, n);
  const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store });
  const handler = witnessHandler(witness, { prefix: '/w' });
  const path = `/w/${hexEncode(sha256(new TextEncoder().encode(log.origin)))}/refusals`;
  const get = async (query = '') => {
    const res = await handler(new Request(`http://witness.test${path}${query}`));
    const text = await res.text();
    return { status: res.status, link: res.headers.get('link'), text, reasons: res.status === 200 ? text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Refusal).reason) : [] };
  };
  return { witness, get, path };
}

describe('GET refusals in pages', () => {
  it('serves at most 1,000 without parameters, and names the next page', async () => {
    const { get, path } = await setup(1500);
    const first = await get();
    expect([first.status, first.reasons.length, first.reasons[0], first.reasons.at(-1)]).toEqual([200, 1000, 'r0', 'r999']);
    expect(first.link).toBe(`<${path}?after=1000&limit=1000>; rel="next"`);
    const second = await get('?after=1000&limit=1000');
    expect([second.reasons.length, second.reasons[0], second.reasons.at(-1), second.link]).toEqual([500, 'r1000', 'r1499', null]);
  });

  it('serves the page asked for', async () => {
    const { get, path } = await setup(10);
    expect(await get('?limit=2&after=3')).toMatchObject({ status: 200, reasons: ['r3', 'r4'], link: `<${path}?after=5&limit=2>; rel="next"` });
    expect(await get('?after=8')).toMatchObject({ reasons: ['r8', 'r9'], link: null });
    expect(await get('?after=10')).toMatchObject({ status: 200, text: '', link: null });
  });

  it('names no next page after a full page that is the last (no empty page to fetch)', async () => {
    const { get, path } = await setup(10);
    expect(await get('?limit=5&after=5')).toMatchObject({ reasons: ['r5', 'r6', 'r7', 'r8', 'r9'], link: null });
    expect(await get('?limit=10')).toMatchObject({ link: null });
    expect(await get('?limit=9')).toMatchObject({ link: `<${path}?after=9&limit=9>; rel="next"` });
  });

  it('answers 400 naming the parameter for a bad one', async () => {
    const { get, witness } = await setup(1);
    for (const [query, name] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=abc', 'limit'], ['?limit=', 'limit'], ['?after=-1', 'after'], ['?after=1.5', 'after'], ['?after=01', 'after'],
      // Given twice: the first was read and the second ignored, where the log server refuses a repeated parameter.
      ['?limit=1&limit=1000', 'limit'], ['?after=0&after=5', 'after']]) {
      const res = await get(query);
      expect([res.status, res.text.startsWith(`${name} `)], query).toEqual([400, true]);
    }
    const hash = hexEncode(sha256(new TextEncoder().encode(log.origin)));
    await expect(witness.refusals(hash, { limit: 0 })).rejects.toMatchObject({ code: 'ERR_WITNESS_REQUEST', field: 'limit' });
    await expect(witness.refusals(hash, { after: -1 })).rejects.toMatchObject({ code: 'ERR_WITNESS_REQUEST', field: 'after' });
  });
});

for (const f of storeFactories(dir)) {
  it(`${f.name} store: refusals(origin, limit, after) gives the page after the first \`after\``, async () => {
    const { store } = await f.open();
    await fill(store, 5);
    expect((await store.refusals(log.origin, 2, 1)).map((r) => r.reason)).toEqual(['r1', 'r2']);
    expect((await store.refusals(log.origin, 10, 3)).map((r) => r.reason)).toEqual(['r3', 'r4']);
    expect(await store.refusals(log.origin, 10, 5)).toEqual([]);
    expect((await store.refusals(log.origin)).map((r) => r.reason)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    await store.close?.();
  });
}
