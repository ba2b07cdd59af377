import { AegisLogError } from '../protocol/index.js';

/**
 * A token bucket per client, kept in the isolate's memory. Each isolate (a
 * Worker instance, an edge function instance) keeps its own buckets, so this
 * caps abuse from one client on one instance; a hard global limit needs the
 * platform's own (Cloudflare's rate-limiting binding, Vercel's firewall).
 */
export interface RateLimitOptions {
  /** Requests a client may make at once (the bucket's size). */
  burst: number;
  /** Tokens added back per second. */
  perSecond: number;
  /**
   * The client's identity; default: its IP (cf-connecting-ip on Cloudflare only, then x-real-ip, then the
   * first x-forwarded-for; an IPv6 address by its /64), else its Origin. On a host that does not set those headers itself, a client can:
   * pass `key` there, and behind a proxy that appends to x-forwarded-for (its first address is the client's own word).
   */
  key?: (request: Request) => string;
  /** Buckets kept at most; the least recently used go first. Default 10,000. Keys over 512 characters share one. */
  maxClients?: number;
}

/** Characters of a client key at most: an origin has fewer than 300, an IP fewer than 50. */
const MAX_KEY_LENGTH = 512;

interface Bucket {
  tokens: number;
  at: number;
}

export type RateLimiter = (request: Request) => number;

/** Returns a limiter: 0 when the request may pass, else the seconds to wait before the next token. */
export function tokenBucket(options: RateLimitOptions, now: () => number): RateLimiter {
  const { burst, perSecond } = options;
  if (!(typeof burst === 'number' && burst >= 1)) throw config('rateLimit.burst', 'a number ≥ 1', burst);
  if (!(typeof perSecond === 'number' && perSecond > 0)) throw config('rateLimit.perSecond', 'a number > 0', perSecond);
  const maxClients = options.maxClients ?? 10_000;
  // NaN would evict nothing, ever; 0 would evict each client's bucket as it is made: no limit either way.
  if (!(Number.isSafeInteger(maxClients) && maxClients >= 1)) throw config('rateLimit.maxClients', 'a whole number ≥ 1', maxClients);
  if (options.key !== undefined && typeof options.key !== 'function') throw config('rateLimit.key', 'a function of the request', options.key);
  const keyOf = options.key ?? clientKey;
  const buckets = new Map<string, Bucket>();
  return (request) => {
    // An IP or an origin is far shorter: a longer key is a client's own header, made up to dodge the limit and fill
    // memory (10,000 buckets of 16 KiB headers pass a Worker's 128 MB). All such keys share one bucket.
    const given = keyOf(request);
    const key = given.length > MAX_KEY_LENGTH ? 'oversized' : given;
    const t = now();
    const old = buckets.get(key);
    // A clock stepped back (NTP) refills nothing; counted as negative time it took every client's tokens, as the server's does not.
    const tokens = old ? Math.min(burst, old.tokens + (Math.max(0, t - old.at) / 1000) * perSecond) : burst;
    // Re-insert so that Map order is least-recently-used first.
    buckets.delete(key);
    if (tokens < 1) {
      buckets.set(key, { tokens, at: t });
      return Math.max(1, Math.ceil((1 - tokens) / perSecond));
    }
    buckets.set(key, { tokens: tokens - 1, at: t });
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string);
    return 0;
  };
}

function config(field: string, wanted: string, value: unknown): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${field} must be ${wanted} (it is ${typeof value === 'function' ? 'a function' : String(value)})`, { field });
}

function clientKey(request: Request): string {
  const h = request.headers;
  // Cloudflare sets cf-connecting-ip on every request it runs a Worker for, and gives it `request.cf`;
  // anywhere else (Vercel, which sets x-real-ip and x-forwarded-for itself) a client may send it.
  const cf = (request as { cf?: unknown }).cf;
  const onCloudflare = typeof cf === 'object' && cf !== null;
  const ip = (onCloudflare ? h.get('cf-connecting-ip') : null) ?? h.get('x-real-ip') ?? h.get('x-forwarded-for')?.split(',')[0]?.trim();
  // An IPv4 address with the port a proxy wrote beside it (`203.0.113.7:50123`, as Azure's do) is that address:
  // with its port, each new connection was a new client.
  if (ip) return `ip:${subnet64(ip) ?? ip.replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, '$1')}`;
  return `origin:${h.get('origin') ?? ''}`;
}

/**
 * An IPv6 address as its /64 prefix (`2001:db8:aa:bb::/64`), else undefined. A /64 is one subscriber's
 * network, and each host in it picks its own addresses (SLAAC, privacy addresses): one machine may send
 * from as many as it likes, so a bucket per address would limit nothing (and push every other client's
 * bucket out). An IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`) is that IPv4 address.
 */
export function subnet64(ip: string): string | undefined {
  const address = ip.replace(/^\[|\](:\d+)?$/g, '').replace(/%.*$/, '').toLowerCase();
  if (!address.includes(':')) return undefined;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1];
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  // An embedded IPv4 tail (`…:192.0.2.1`) takes two groups; only the first four groups count here.
  const tailGroups = tail.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
  const missing = 8 - head.length - tailGroups;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const prefix = groups.slice(0, 4);
  if (!prefix.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return `${prefix.map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
