// The relay's rate limit per client in real workerd (miniflare), built from the source (relay-worker.ts),
// keyed by cf-connecting-ip as Cloudflare sets it, in front of the reference server on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { bundleWorker, startWorker } from './workerd.js';
import { INGEST_KEY, startReference, type Reference } from './reference.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';

let api: Reference;
let mf: Miniflare;

beforeAll(async () => {
  api = await startReference();
  // Two requests per client, then one more every 1,000 s: no test here lasts long enough to see a refill.
  mf = await startWorker(await bundleWorker('test/edge/relay-worker.ts'), { compatibility_date: '2025-09-01' }, {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_API_KEY: INGEST_KEY,
    APP_ORIGINS: APP,
    RELAY_RATE: '2/0.001',
  });
});

afterAll(async () => {
  await mf?.dispose();
  await api?.close();
});

async function postFrom(ip: string): Promise<number> {
  const res = await mf.dispatchFetch('https://relay.example/aegislog/ingest', {
    method: 'POST',
    headers: { origin: APP, 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify(event()),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('relay in workerd: the rate limit per client', () => {
  it('counts an IPv6 client by its /64: the addresses of one subnet, each host\'s to pick, are one client', async () => {
    // One machine may send from any address of its /64 (2^64 of them): a bucket per address was no limit,
    // and 10,000 fresh addresses pushed every other client's bucket out.
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push(await postFrom(`2001:db8:aa:bb::${i.toString(16)}`));
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    // Written another way (zeros in full, upper case): the same subnet.
    expect(await postFrom('2001:0DB8:00AA:00BB:1:2:3:4')).toBe(429);
    // Another /64 is another client, and so is each IPv4 address.
    expect(await postFrom('2001:db8:aa:bc::1')).toBe(200);
    expect(await postFrom('192.0.2.1')).toBe(200);
    expect(await postFrom('192.0.2.2')).toBe(200);
  });
});
