/**
 * What `aegislog dev` and `aegislog serve` share as hosts of the reference server:
 * the limit options and their banner, the keys file, the public origins, the seal
 * timer, and stopping on a signal.
 */
import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_HTTP_LIMITS, DEFAULT_LIMITS } from '../server/node.js';
import type { AegisServer, ApiKeyConfig, HttpLimits, Limits } from '../server/node.js';
import type { CliIO } from './command.js';
import { UsageError, integerOption } from './command.js';
import { fsReason } from './input.js';
import { originOf } from '../transport/origin.js';
import { sha256 } from '../protocol/index.js';
import { keyRing } from '../server/auth.js';
import { utf8Text } from '../server/key-file.js';

/** The `parseOptions` entries of the limit options. */
export const LIMIT_OPTIONS = {
  'public-origin': { type: 'string', multiple: true },
  'rate-limit': { type: 'string' },
  'key-in-flight': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-connections-per-client': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
} as const;

export const LIMITS_USAGE = `Limits (docs/server.md, "Limits" and "Threat model"): --public-origin is this
server's own origin for browsers (default: the URL it listens on), the only
one treated as same-origin; --rate-limit is each key's units per second (a
request 1, an event 1, 64 JSON values 1; default ${DEFAULT_LIMITS.keyRatePerSecond}, burst 5x, 0: off);
--key-in-flight caps each key's requests in flight on the ingest routes and
/export (default ${DEFAULT_LIMITS.keyInFlight}; more: 429), so that one key holds at most that many
bodies in memory;
connections ${DEFAULT_HTTP_LIMITS.maxConnections} (${DEFAULT_HTTP_LIMITS.maxConnectionsPerClient} per client address, 0: no limit, for a proxy in front);
headers within ${DEFAULT_HTTP_LIMITS.headersTimeout / 1000} s, a whole request within ${DEFAULT_HTTP_LIMITS.requestTimeout / 1000} s.`;

export interface LimitChoices {
  publicOrigins?: string[];
  limits: Partial<Limits>;
  httpLimits: Partial<HttpLimits>;
}

/** The limit options as given (`LIMIT_OPTIONS`), checked. */
export function limitChoices(values: Record<string, string | string[] | boolean | undefined>): LimitChoices {
  const origins = values['public-origin'] as string[] | undefined;
  return {
    ...(origins === undefined ? {} : { publicOrigins: origins.map(originOption) }),
    limits: { ...rateOption(values['rate-limit'] as string | undefined), ...inFlightOption(values['key-in-flight'] as string | undefined) },
    httpLimits: httpOptions(values),
  };
}

function originOption(text: string): string {
  const origin = originOf(text);
  if (origin) return origin;
  throw new UsageError(`--public-origin ${text} is not an origin such as https://log.example.com`);
}

function rateOption(value: string | undefined): Partial<Limits> {
  if (value === undefined) return {};
  const perSecond = integerOption(value, 'rate-limit', 0, 0, 10_000_000);
  return { keyRatePerSecond: perSecond, keyRateBurst: perSecond * 5 };
}

function inFlightOption(value: string | undefined): Partial<Limits> {
  return value === undefined ? {} : { keyInFlight: integerOption(value, 'key-in-flight', 0, 1, 1_000_000) };
}

function httpOptions(values: Record<string, string | string[] | boolean | undefined>): Partial<HttpLimits> {
  const out: Partial<HttpLimits> = {};
  const int = (name: string, min: number, max: number) => integerOption(values[name] as string, name, 0, min, max);
  if (values['max-connections'] !== undefined) out.maxConnections = int('max-connections', 1, 1_000_000);
  if (values['max-connections-per-client'] !== undefined) out.maxConnectionsPerClient = int('max-connections-per-client', 0, 1_000_000);
  if (values['headers-timeout'] !== undefined) out.headersTimeout = int('headers-timeout', 1, 3600) * 1000;
  if (values['request-timeout'] !== undefined) out.requestTimeout = int('request-timeout', 1, 3600) * 1000;
  const headers = out.headersTimeout ?? DEFAULT_HTTP_LIMITS.headersTimeout;
  const request = out.requestTimeout ?? DEFAULT_HTTP_LIMITS.requestTimeout;
  if (request < headers) throw new UsageError('--request-timeout must be at least --headers-timeout');
  return out;
}

/** The URL it listens on; for a loopback address also `localhost`, which browsers never resolve elsewhere (a rebinding name can be any other). */
export function ownOrigins(url: string, port: number): string[] {
  const { hostname } = new URL(url);
  const loopback = hostname === '127.0.0.1' || hostname === '[::1]';
  return loopback ? [url, `http://localhost:${port}`] : [url];
}

export function limitsBanner(origins: readonly string[], limits: Limits, http: HttpLimits): string[] {
  const kib = (n: number) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : `${n / 1024} KiB`);
  const perClient = http.maxConnectionsPerClient === 0 ? 'no limit per client' : `${http.maxConnectionsPerClient} per client address`;
  const rate = limits.keyRatePerSecond === 0 ? 'no rate limit per key' : `${limits.keyRatePerSecond} units/s per key (burst ${limits.keyRateBurst})`;
  const inFlight = `at most ${limits.keyInFlight} in flight per key`;
  return [
    `  origin:  ${origins.join(', ')} (same-origin for browsers; any other Origin needs a key's "origins")`,
    `  limits:  ${http.maxConnections} connections (${perClient}), headers within ${http.headersTimeout / 1000} s, request within ${http.requestTimeout / 1000} s, ${rate}, ${inFlight}`,
    `  bodies:  /ingest ${kib(limits.ingestBytes)}, /ingest/batch ${kib(limits.batchBytes)} (${limits.batchEvents} events), /beacon ${kib(limits.beaconBytes)}; JSON depth ${limits.jsonDepth}, ${limits.jsonValues} values`,
  ];
}

/** The API keys file: its read and admin keys are secrets, so it is held to 0600 as the signing keys are. */
export async function readKeysFile(path: string): Promise<ApiKeyConfig[]> {
  let text: string;
  try {
    // POSIX modes only: Windows reports 0o666 for every file.
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
      throw new UsageError(`the keys file ${path} is readable by other users; run chmod 600 on it`);
    }
    // Without a byte order mark at the very start, not part of the JSON (RFC 8259 §8.1), as the other commands read files.
    text = utf8Text(await readFile(path));
    const keys = JSON.parse(text) as ApiKeyConfig[];
    // Checked here, as the server will check them: a file of the wrong shape is unusable input (exit 2), not a server failure.
    try {
      keyRing(keys, sha256);
    } catch (error) {
      throw new UsageError(`the keys file ${path}: ${(error as Error).message}`);
    }
    return keys;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the keys file ${path}: ${fsReason(error)}`);
  }
}

/** Prints each checkpoint a seal wrote. */
export function sealReporter(io: CliIO) {
  return (sealed: readonly { period_start: string; period_end: string; tree_size: number }[]) => {
    for (const c of sealed) io.out(`sealed ${c.period_start} .. ${c.period_end} (root log size ${c.tree_size})`);
  };
}

/**
 * Calls `sealDue()` when the open period ends, and again after each run. In a fleet
 * every process runs one; the store's lease makes one seal, and a process that did
 * not hold it looks again a second later (its idea of the open period is then stale).
 * `stop()` waits for a seal already under way, so that the store closes after it.
 */
export function sealTimer(server: AegisServer, io: CliIO, command: string): { stop(): Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const report = sealReporter(io);
  const schedule = (idle: boolean) => {
    if (stopped) return;
    const wait = Math.max(server.nextSealAt() - Date.now(), idle ? 1000 : 0) + 10;
    // setTimeout holds at most 2^31−1 ms; a longer wait just checks again.
    timer = setTimeout(() => {
      running = server.sealDue().then(
        (sealed) => {
          report(sealed);
          schedule(sealed.length === 0);
        },
        (error: unknown) => {
          io.err(`aegislog ${command}: sealing failed, will retry: ${(error as Error).message}`);
          schedule(true);
        },
      );
    }, Math.min(wait, 2 ** 31 - 1));
  };
  schedule(false);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Resolves with the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
