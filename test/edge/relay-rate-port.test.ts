// The relay's default rate-limit key is the client's IP. Some hosts write the client's source port beside
// it (Azure App Service and Application Gateway: `x-forwarded-for: 203.0.113.7:50123`); an IPv6 address in
// that form (`[2001:db8::1]:443`) was already counted without its port, an IPv4 one was not: each new
// connection (a new source port) was a new client with a full bucket, so the limit limited nothing.
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { event, recordingUpstream } from './upstream.js';

const APP = 'https://app.example.com';

function relayWithLimit() {
  const { fetch, seen } = recordingUpstream();
  // One request per client, then one more every 1,000 s: the clock never moves here.
  const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: 'k', allowedOrigins: [APP], fetch, rateLimit: { burst: 1, perSecond: 0.001 }, now: () => 0 });
  const from = async (header: string, address: string) => {
    const res = await relay(new Request('https://relay.example.com/aegislog/ingest', { method: 'POST', headers: { origin: APP, 'content-type': 'application/json', [header]: address }, body: JSON.stringify(event()) }));
    await res.arrayBuffer();
    return res.status;
  };
  return { from, seen };
}

describe('relay: the rate limit counts an IPv4 client by its address, whatever port a proxy wrote beside it', () => {
  it.each(['x-forwarded-for', 'x-real-ip'])('%s: the ports of one address are one client', async (header) => {
    const { from, seen } = relayWithLimit();
    const statuses = [await from(header, '203.0.113.7:50001'), await from(header, '203.0.113.7:50002'), await from(header, '203.0.113.7')];
    expect(statuses).toEqual([200, 429, 429]);
    expect(seen).toHaveLength(1);
  });

  it('guard: another address is another client, with or without a port', async () => {
    const { from } = relayWithLimit();
    expect([await from('x-forwarded-for', '203.0.113.7:50001'), await from('x-forwarded-for', '203.0.113.8:50001'), await from('x-forwarded-for', '203.0.113.9')]).toEqual([200, 200, 200]);
  });
});
