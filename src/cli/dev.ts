import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTime } from '../protocol/index.js';
import { DEFAULT_HTTP_LIMITS, DEFAULT_LIMITS, NOTE_KEY_FILE, createServer, kmsSigner, listen, loadOrCreateNoteKey, localSigner, sqliteStore, staticResponse } from '../server/node.js';
import { isKeyName } from '../tlog/note.js';
import type { AegisServer, ApiKeyConfig, HttpLimits, Limits, NodeServerHandle, WitnessConfig } from '../server/node.js';
import { ANSWER, type Answer, type AnswerHandler } from '../server/answer.js';
import { logNoteSigners } from '../server/note-signers.js';
import { writeFileAtomically } from '../server/create-file.js';
import type { CliIO, Command } from './command.js';
import { UsageError, hostError, integerOption, keyFileError, makeDataFolder, parseOptions } from './command.js';
import { startLocalWitness, policyText, refuseRepeatedWitness, witnessOption } from './dev-witness.js';
import { lockFolder } from './folder-lock.js';
import { fsReason } from './input.js';
import { LIMITS_USAGE, LIMIT_OPTIONS, limitChoices, limitsBanner, ownOrigins, readKeysFile, sealReporter, sealTimer, stopSignal } from './host.js';
import type { RunningWitness } from './witness.js';

const USAGE = `Usage: aegislog dev [--host 127.0.0.1] [--port 8787] [--data DIR] [--keys FILE] [--period SECONDS] [--sync full|normal] [--kms KEY_ID]
                    [--readers N] [--origin ORIGIN] [--witness URL=VKEY]... [--with-witness] [--public-origin URL] [--rate-limit UNITS] [--key-in-flight N] [--max-connections N] [--max-connections-per-client N]
                    [--headers-timeout SECONDS] [--request-timeout SECONDS]

Runs the reference server: SQLite, a signing key and an Ed25519 note key in the
data folder (default ./.aegislog), periods sealed on their boundaries (default
86400 s, the UTC day). The log's origin (the first line of its checkpoints) is
written to DIR/origin on the first start (from --origin, else
HOST:PORT/aegislog, or HOST/aegislog with --port 0) and kept for the life of the log. Without --keys, a demo tenant "demo" with an ingest, a read and an
admin key is made once and kept in DIR/dev-keys.json. Serves dist/demo/ at
/demo/ when it exists, with /demo/config.json giving the chat demo this
server's URL and the ingest key (never a read key). Stops cleanly on Ctrl-C
(SIGINT) or SIGTERM.

--sync full (default) fsyncs every commit before a receipt goes out, so
receipts survive power loss; --sync normal survives a crash of the process
(kill -9) but not of the machine, and answers single events much faster.

--witness URL=VKEY submits every checkpoint to a C2SP witness (its submission
prefix and its cosigner vkey; repeatable); --with-witness starts a local witness
beside the server (key and state in DIR/witness) so that checkpoints arrive
cosigned. Either way the banner prints the tlog-policy an auditor would pin,
also written to DIR/policy.txt; /healthz shows each witness.

--readers N (default 4, 0 to 64) reads records and tiles for /evidence on N
worker threads, each with a read-only connection: for a log larger than the
page cache, their page reads overlap. With 0 they are read on the store's own
connection, which costs less CPU when the data fits in memory.

--kms KEY_ID signs with an AWS KMS key (id, ARN or alias of an ECC_NIST_P256
signing key) instead of the local key file, through the optional peer
dependency @aws-sdk/client-kms; region and credentials come from the AWS
environment as for any AWS SDK (AWS_REGION, AWS_PROFILE, roles, and
AWS_ENDPOINT_URL_KMS for a KMS-compatible endpoint). Needs kms:GetPublicKey
and kms:Sign on the key.

One server per data folder: a second one on the same folder refuses to start.

${LIMITS_USAGE}`;

export interface DevOptions {
  host: string;
  port: number;
  dataDir: string;
  keysFile?: string;
  period: number;
  sync?: 'full' | 'normal';
  /** Reader threads for /evidence (`sqliteStore`'s `readers`; default 4). */
  readers?: number;
  /** Sign with this AWS KMS key instead of the key file in the data folder. */
  kmsKeyId?: string;
  /** The demo pages folder (default: dist/demo beside the built CLI). */
  demoDir?: string;
  /** Origins treated as this server's own (default: the URL it listens on, and `localhost` for a loopback address). */
  publicOrigins?: string[];
  /** The log's origin (§4.4); default `<host>:<port>/aegislog`, kept in DIR/origin. */
  origin?: string;
  limits?: Partial<Limits>;
  httpLimits?: Partial<HttpLimits>;
  /** C2SP witnesses to submit each checkpoint to (`--witness URL=VKEY`). */
  witnesses?: WitnessConfig[];
  /** Start a local witness beside the server (`--with-witness`), state and key in DIR/witness. */
  withWitness?: boolean;
}

export interface DevServer {
  url: string;
  keys: ApiKeyConfig[];
  /** Stops the seal timer (a seal under way finishes first), closes the HTTP server and then the database. */
  stop(): Promise<void>;
}

/** Starts the dev server and prints how to use it; the caller decides when to stop. */
export async function startDev(options: DevOptions, io: CliIO): Promise<DevServer> {
  await makeDataFolder(options.dataDir, '--data');
  // Before anything in the folder is read or made: a second server must not touch it.
  const lock = await lockFolder(options.dataDir);
  let store: Awaited<ReturnType<typeof sqliteStore>> | undefined;
  let http: NodeServerHandle | undefined;
  let timer: { stop(): Promise<void> } | undefined;
  let local: RunningWitness | undefined;
  // A first start that fails (a host it cannot listen on) keeps no origin: the next start may pick another.
  const noteKeyPath = join(options.dataDir, NOTE_KEY_FILE);
  let madeNoteKey = false;
  try {
    // The store first: a version-1 folder is refused before any key or origin is written into it.
    // Reader threads for /evidence: a log larger than the page cache makes each bundle wait on the disk.
    store = await sqliteStore(join(options.dataDir, 'aegislog.db'), { synchronous: options.sync ?? 'full', readers: options.readers ?? 4, writer: true });
    const keys = options.keysFile ? await readKeysFile(options.keysFile) : await demoKeys(options.dataDir);
    const signer = options.kmsKeyId ? await kmsSigner({ keyId: options.kmsKeyId }) : await localSigner({ dir: options.dataDir });
    const { origin, kept } = await logOrigin(options);
    madeNoteKey = !kept && !existsSync(noteKeyPath);
    const noteKey = (await loadOrCreateNoteKey(options.dataDir, origin)).skey;
    let origins: string[] = options.publicOrigins ?? [];
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const httpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.httpLimits };
    const witnesses = [...(options.witnesses ?? [])];
    let policy: string | undefined;
    if (options.withWitness || witnesses.length > 0) {
      const logVkeys = (await logNoteSigners(origin, signer, noteKey)).vkeys;
      if (options.withWitness) {
        local = await startLocalWitness(options.dataDir, options.host, origin, logVkeys, io);
        witnesses.push({ url: local.url, vkey: local.vkeys[0]! });
      }
      refuseRepeatedWitness(witnesses);
      policy = policyText(logVkeys, witnesses);
      await writeFile(join(options.dataDir, 'policy.txt'), policy);
    }
    const server = createServer({ signer, store, keys, period: options.period, origin, noteKey, limits, witnesses, publicOrigins: () => origins });
    sealReporter(io)(await server.ready); // the periods that ended while the server was down
    const demoDir = options.demoDir ?? builtDemoDir();
    const demo = existsSync(demoDir) ? { prefix: '/demo/', dir: demoDir } : undefined;
    http = await listen(demo ? withDemoPages(server, demo.dir, keys) : server, { host: options.host, port: options.port, limits: httpLimits }).catch((error: unknown) => {
      throw (error as { code?: unknown }).code === 'EADDRINUSE' ? portInUse(options) : hostError(error, options.host);
    });
    if (!kept) await keepOrigin(options.dataDir, origin);
    if (!options.publicOrigins) origins = ownOrigins(http.url, http.port);
    timer = sealTimer(server, io, 'dev');
    await printBanner(io, http.url, { ...options, origin }, keys, signer.keyId, server.nextSealAt(), limitsBanner(origins, limits, httpLimits), demo?.dir);
    if (policy) {
      io.out(`  witnesses: ${witnesses.map((w) => w.url).join('  ')} (status in /healthz)`);
      io.out(`  the policy an auditor pins (kept in ${join(options.dataDir, 'policy.txt')}; aegislog verify --policy FILE):`);
      io.out(policy.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    }
    const [handle, db, witness] = [http, store, local];
    return {
      url: handle.url,
      keys,
      async stop() {
        await timer?.stop();
        await handle.close();
        await server.settled(); // signatures still being kept, before the database closes
        await db.close();
        await witness?.stop();
        lock.release();
      },
    };
  } catch (error) {
    await timer?.stop();
    await http?.close();
    await store?.close();
    await local?.stop();
    if (madeNoteKey && !existsSync(join(options.dataDir, 'origin'))) await rm(noteKeyPath, { force: true });
    lock.release();
    throw error;
  }
}

/** The port is taken (often by another `aegislog dev` or `npm start`): say how to pick another. */
function portInUse(options: DevOptions): Error {
  const other = options.port === 65535 ? 8788 : options.port + 1;
  return new Error(
    `${options.host}:${options.port} is already in use (another aegislog dev or npm start?). ` +
      `Stop it, or pick another port: aegislog dev --port ${other} (in a clone: npm start -- --port ${other}; --port 0 picks a free one)`,
  );
}

/**
 * The demo pages at /demo/, plus /demo/config.json for the chat demo: this
 * server's origin and the first ingest-scope key (publishable, append-only;
 * never a read or admin key).
 */
function withDemoPages(server: AegisServer, dir: string, keys: ApiKeyConfig[]) {
  const ingest = keys.find((k) => k.scope === 'ingest');
  const page = (request: Request): Promise<Response> | undefined => {
    const { pathname, origin } = new URL(request.url);
    if (pathname === '/demo/config.json' && ingest) {
      return Promise.resolve(Response.json({ endpoint: origin, tenant_id: ingest.tenant_id, ingest_key: ingest.key }, { headers: { 'cache-control': 'no-store' } }));
    }
    if ((pathname + '/').startsWith('/demo/')) return staticResponse(dir, '/demo/', request.method, pathname);
    return undefined;
  };
  // The server's unmade answers stay available to the Node adapter through the wrapper (see answer.ts).
  const answer = (server as unknown as Record<typeof ANSWER, AnswerHandler>)[ANSWER];
  return Object.assign((request: Request): Promise<Response> => page(request) ?? server(request), {
    [ANSWER]: (request: Request): Promise<Answer> => page(request) ?? answer(request),
  });
}

/**
 * A log keeps its origin for life (§4.4): the first start writes it to DIR/origin
 * (from --origin, else HOST:PORT/aegislog, HOST/aegislog with --port 0); later starts read it, and refuse an
 * --origin that differs, which would fork the log's identity.
 */
async function logOrigin(options: DevOptions): Promise<{ origin: string; kept: boolean }> {
  const path = join(options.dataDir, 'origin');
  let stored: string | undefined;
  try {
    stored = existsSync(path) ? (await readFile(path, 'utf8')).trim() : undefined;
  } catch (error) {
    // A folder in its place (or a file it cannot read): the data folder's mistake, in one line naming the file.
    throw new UsageError(`cannot read the log's origin ${path}: ${fsReason(error)}`);
  }
  if (stored !== undefined) {
    // Left empty by a crash of the first start, or edited by hand: no identity to sign under, said of the file.
    if (!isKeyName(stored)) throw new UsageError(`${path} holds no log origin (${JSON.stringify(stored)}): write the log's origin into it (a log keeps its origin for life), or start a new --data folder`);
    if (options.origin !== undefined && options.origin !== stored) {
      throw new UsageError(`this data folder's log has the origin ${stored}; a log keeps its origin for life (start a new --data folder for ${options.origin})`);
    }
    return { origin: stored, kept: true };
  }
  if (options.origin !== undefined) {
    if (!isKeyName(options.origin)) throw new UsageError(`--origin ${JSON.stringify(options.origin)} is not a log origin: non-empty, no spaces and no "+" (such as log.example.com/acme)`);
    return { origin: options.origin, kept: false };
  }
  if (options.host.startsWith('[')) throw new UsageError(`--host ${options.host}: give an IPv6 address without brackets (--host ::1)`);
  // --port 0 is a port picked at each start: not part of an identity kept for life (nor "127.0.0.1:0").
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `${host}${options.port === 0 ? '' : `:${options.port}`}/aegislog`;
  if (!isKeyName(origin)) throw new UsageError(`--host ${JSON.stringify(options.host)} gives no log origin (${JSON.stringify(origin)}); pass --origin`);
  return { origin, kept: false };
}

/** Written once the server listens: a start that failed leaves the next one free to pick its origin. */
async function keepOrigin(dir: string, origin: string): Promise<void> {
  const path = join(dir, 'origin');
  await writeFile(`${path}.tmp`, `${origin}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** dist/demo: this module is built into dist/esm/chunks/ (the CLI imports each command when it runs), or into dist/esm/. */
function builtDemoDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(basename(here) === 'chunks' ? dirname(here) : here, '..', 'demo');
}

async function demoKeys(dataDir: string): Promise<ApiKeyConfig[]> {
  const path = join(dataDir, 'dev-keys.json');
  if (existsSync(path)) return readKeysFile(path);
  const secret = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
  const keys: ApiKeyConfig[] = [
    // Publishable: safe in a browser page; any origin, since demo pages may be served from anywhere on this machine.
    { key: secret('ak_ingest'), tenant_id: 'demo', scope: 'ingest', origins: ['*'] },
    { key: secret('ak_read'), tenant_id: 'demo', scope: 'read' },
    { key: secret('ak_admin'), tenant_id: '*', scope: 'admin' },
  ];
  // Whole or not at all: created empty and then written, a crash between left a file every later start refused.
  await writeFileAtomically(path, `${JSON.stringify(keys, null, 2)}\n`);
  return keys;
}

const readerThreads = (n: number) => (n === 0 ? 'no reader threads' : n === 1 ? '1 reader thread' : `${n} reader threads`);

async function printBanner(io: CliIO, url: string, options: DevOptions, keys: ApiKeyConfig[], keyId: string, nextSeal: number, limits: string[], demoDir?: string) {
  const of = (scope: ApiKeyConfig['scope']) => keys.find((k) => k.scope === scope);
  const lines = [
    `AegisLog dev server listening on ${url}`,
    `  data:    ${resolve(options.dataDir)} (SQLite, synchronous=${options.sync ?? 'full'}, ${readerThreads(options.readers ?? 4)}, signing key ${options.kmsKeyId ? `AWS KMS ${keyId}` : keyId})`,
    `  log:     origin ${options.origin}; vkeys at ${url}/.well-known/aegislog/vkeys`,
    `  period:  ${options.period} s, next seal at ${formatTime(nextSeal)}`,
    `  keys:    ${JSON.stringify(`${url}/.well-known/aegislog/keys.json`).slice(1, -1)}`,
    ...limits,
  ];
  if (!options.keysFile) {
    lines.push(`  demo tenant "demo" (keys kept in ${join(options.dataDir, 'dev-keys.json')}):`);
    for (const scope of ['ingest', 'read', 'admin'] as const) lines.push(`    ${scope.padEnd(6)} key: ${of(scope)?.key}`);
  }
  const ingestKey = of('read')?.key ?? of('ingest')?.key;
  if (ingestKey) {
    lines.push('  try:');
    lines.push(`    curl -s ${url}/ingest -H 'X-Api-Key: ${ingestKey}' -H 'content-type: application/json' \\`);
    lines.push(`      -d '{"event_type":"model_inference","model_id":"gpt-4","input_tokens":150}'`);
    lines.push(`    curl -s '${url}/verify/<event_id>' -H 'X-Api-Key: ${ingestKey}'`);
  }
  if (demoDir) {
    // Pages at the top and folders with an index.html (dist/demo/auditor/, dist/demo/chat/, ...).
    const pages: string[] = [];
    for (const entry of await readdir(demoDir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.html')) pages.push(entry.name);
      if (entry.isDirectory() && existsSync(join(demoDir, entry.name, 'index.html'))) pages.push(`${entry.name}/`);
    }
    pages.sort();
    lines.push(`  demo pages: ${pages.length > 0 ? pages.map((p) => `${url}/demo/${p}`).join('  ') : `${url}/demo/`}`);
  }
  io.out(lines.join('\n'));
}

export const devCommand: Command = {
  usage: USAGE,
  async run(args, io) {
    const values = parseOptions(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      keys: { type: 'string' },
      period: { type: 'string' },
      sync: { type: 'string' },
      readers: { type: 'string' },
      kms: { type: 'string' },
      origin: { type: 'string' },
      witness: { type: 'string', multiple: true },
      'with-witness': { type: 'boolean' },
      ...LIMIT_OPTIONS,
    });
    if (values.sync !== undefined && values.sync !== 'full' && values.sync !== 'normal') throw new UsageError('--sync must be full or normal');
    const options: DevOptions = {
      host: values.host ?? '127.0.0.1',
      port: integerOption(values.port, 'port', 8787, 0, 65535),
      dataDir: values.data ?? '.aegislog',
      period: integerOption(values.period, 'period', 86400, 1, 100 * 365 * 86400),
      readers: integerOption(values.readers, 'readers', 4, 0, 64),
      ...(values.keys === undefined ? {} : { keysFile: values.keys }),
      ...(values.sync === undefined ? {} : { sync: values.sync as 'full' | 'normal' }),
      ...(values.kms === undefined ? {} : { kmsKeyId: values.kms }),
      ...(values.origin === undefined ? {} : { origin: values.origin as string }),
      ...(values.witness === undefined ? {} : { witnesses: (values.witness as string[]).map(witnessOption) }),
      ...(values['with-witness'] ? { withWitness: true } : {}),
      ...limitChoices(values),
    };
    // A key file of the folder it cannot use: unusable input (exit 2), as its dev-keys.json and serve's key files are.
    const dev = await startDev(options, io).catch((error: unknown) => {
      throw keyFileError(error);
    });
    const signal = await stopSignal();
    io.out(`received ${signal}, stopping`);
    await dev.stop();
    io.out('stopped');
    return 0;
  },
};

