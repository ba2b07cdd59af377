import { DEFAULT_HTTP_LIMITS, DEFAULT_LIMITS, createServer, kmsSigner, listen, localSigner, postgresStore, readNoteKeyFile, readSigningJwk } from '../server/node.js';
import type { ApiKeyConfig, HttpLimits, Limits, NodeServerHandle, Store, WitnessConfig } from '../server/node.js';
import { formatTime } from '../protocol/index.js';
import { CONNECTION_TIMEOUT_MS, QUERY_TIMEOUT_MS } from '../server/postgres-store.js';
import { NoteKeyType } from '../tlog/vkey.js';
import type { CliIO, Command } from './command.js';
import { UsageError, hostError, integerOption, keyFileError, parseOptions } from './command.js';
import { witnessOption } from './dev-witness.js';
import { LIMITS_USAGE, LIMIT_OPTIONS, limitChoices, limitsBanner, ownOrigins, readKeysFile, sealReporter, sealTimer, stopSignal } from './host.js';

const USAGE = `Usage: aegislog serve --database-url URL (--signing-key FILE | --kms-key-id KEY_ID) --note-key FILE --keys FILE --origin ORIGIN
                      [--host 127.0.0.1] [--port 8787] [--period SECONDS] [--pool N] [--witness URL=VKEY]...
                      [--public-origin URL] [--rate-limit UNITS] [--key-in-flight N] [--max-connections N] [--max-connections-per-client N]
                      [--headers-timeout SECONDS] [--request-timeout SECONDS]
                      [--query-timeout SECONDS] [--connect-timeout SECONDS]

The production server: the log in PostgreSQL (node-postgres, the optional peer
dependency pg), keys from files or AWS KMS. Several serve processes on one
database are one log, behind any load balancer: each tenant's entries are
sequenced by a row lock, and the sealer that runs in every process seals once
(a lease in the database, taken over at once when its holder's process dies).
Migrations run at start. While the database is unreachable, requests get 503
with Retry-After (clients retry; nothing acknowledged is lost).

--database-url   postgres://USER:PASSWORD@HOST:5432/DATABASE (?sslmode=require ...);
                 default: the DATABASE_URL environment variable (keeps the password
                 out of the process list)
--signing-key    the receipt key, a private P-256 JWK (aegislog keygen --out DIR
                 writes DIR/private.jwk.json), mode 0600
--kms-key-id     sign with this AWS KMS key (id, ARN or alias of an ECC_NIST_P256
                 key) instead, through the optional peer @aws-sdk/client-kms
--note-key       the log's Ed25519 note key, a Go-style PRIVATE+KEY+ORIGIN+... line
                 (aegislog keygen --origin ORIGIN --out DIR writes DIR/note-signing-key)
--keys           the API keys file (docs/server.md, "Keys file")
--origin         the log's identity in its checkpoints; kept in the database by the
                 first start, and a process with another one is refused
--period         period length in seconds (default 86400, the UTC day); the same
                 for every process of the log (kept in the database like --origin)
--pool           database connections of this process (default 10)
--query-timeout  seconds a database statement may take (default 30, 1 to 86400)
                 before its request gets 503 (the database ends it 1 s later):
                 raise it for a database that is slow by nature, lower it to fail
                 sooner on one that has gone silent
--connect-timeout
                 seconds a request waits for a database connection, free in the
                 pool or new (default 5, 1 to 3600), before it gets 503
--witness        submit every checkpoint to a C2SP witness (URL=VKEY, repeatable)

${LIMITS_USAGE}

Stops cleanly on SIGINT or SIGTERM.`;

export interface ServeOptions {
  host: string;
  port: number;
  databaseUrl: string;
  signingKeyFile?: string;
  kmsKeyId?: string;
  noteKeyFile: string;
  keysFile: string;
  origin: string;
  period: number;
  pool?: number;
  /** `postgresStore`'s bounds (ms); its defaults unless given. */
  queryTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
  witnesses?: WitnessConfig[];
  publicOrigins?: string[];
  limits?: Partial<Limits>;
  httpLimits?: Partial<HttpLimits>;
}

export interface RunningServe {
  url: string;
  /** Stops the seal timer, lets requests in flight finish, then closes the database pool. */
  stop(): Promise<void>;
}

export async function startServe(options: ServeOptions, io: CliIO): Promise<RunningServe> {
  const keys: ApiKeyConfig[] = await readKeysFile(options.keysFile);
  const signer = options.kmsKeyId ? await kmsSigner({ keyId: options.kmsKeyId }) : await localSigner({ privateJwk: await readSigningJwk(options.signingKeyFile!) });
  const noteKey = (await readNoteKeyFile(options.noteKeyFile)).find((k) => k.type === NoteKeyType.Ed25519);
  if (!noteKey) throw new UsageError(`${options.noteKeyFile} holds no Ed25519 (type 0x01) note key`);
  if (noteKey.name !== options.origin) throw new UsageError(`${options.noteKeyFile} is the note key of origin "${noteKey.name}", not --origin ${options.origin}`);
  const queryTimeout = options.queryTimeoutMillis ?? QUERY_TIMEOUT_MS;
  const connectTimeout = options.connectionTimeoutMillis ?? CONNECTION_TIMEOUT_MS;
  let store: Store | undefined;
  let http: NodeServerHandle | undefined;
  let timer: { stop(): Promise<void> } | undefined;
  try {
    store = await postgresStore({
      connectionString: options.databaseUrl, max: options.pool ?? 10, log: { origin: options.origin, periodSeconds: options.period },
      queryTimeoutMillis: queryTimeout, connectionTimeoutMillis: connectTimeout,
    });
    let origins: string[] = options.publicOrigins ?? [];
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const httpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.httpLimits };
    const server = createServer({
      signer, store, keys, origin: options.origin, period: options.period, noteKey: noteKey.skey, limits,
      witnesses: options.witnesses ?? [], publicOrigins: () => origins,
    });
    sealReporter(io)(await server.ready); // the periods that ended while no process was running
    http = await listen(server, { host: options.host, port: options.port, limits: httpLimits }).catch((error: unknown) => {
      throw hostError(error, options.host, options.port);
    });
    if (!options.publicOrigins) origins = ownOrigins(http.url, http.port);
    timer = sealTimer(server, io, 'serve');
    const where = databasePlace(options.databaseUrl);
    io.out(
      [
        `AegisLog server listening on ${http.url}`,
        `  store:   PostgreSQL ${where} (pool ${options.pool ?? 10}, query timeout ${queryTimeout / 1000} s, connect timeout ${connectTimeout / 1000} s; every process on this database serves the same log)`,
        `  log:     origin ${options.origin}; vkeys at ${http.url}/.well-known/aegislog/vkeys`,
        `  signing: ${options.kmsKeyId ? `AWS KMS ${signer.keyId}` : `key ${signer.keyId}`}; note key ${noteKey.vkey}`,
        `  period:  ${options.period} s, next seal at ${formatTime(server.nextSealAt())}`,
        `  keys:    ${keys.length} API keys from ${options.keysFile}`,
        ...(options.witnesses?.length ? [`  witnesses: ${options.witnesses.map((w) => w.url).join('  ')} (status in /healthz)`] : []),
        ...limitsBanner(origins, limits, httpLimits),
      ].join('\n'),
    );
    const [handle, db, seals] = [http, store, timer];
    return {
      url: handle.url,
      async stop() {
        await seals.stop();
        await handle.close();
        await server.settled(); // signatures still being kept, before the database closes
        await db.close();
      },
    };
  } catch (error) {
    await timer?.stop();
    await http?.close();
    await store?.close();
    throw error;
  }
}

export const serveCommand: Command = {
  usage: USAGE,
  async run(args, io) {
    const values = parseOptions(args, {
      'database-url': { type: 'string' },
      'signing-key': { type: 'string' },
      'kms-key-id': { type: 'string' },
      'note-key': { type: 'string' },
      keys: { type: 'string' },
      origin: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      period: { type: 'string' },
      pool: { type: 'string' },
      'query-timeout': { type: 'string' },
      'connect-timeout': { type: 'string' },
      witness: { type: 'string', multiple: true },
      ...LIMIT_OPTIONS,
    });
    const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
    if (!databaseUrl) throw new UsageError('--database-url (or the DATABASE_URL environment variable) is required');
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError('--database-url must be a postgres:// URL');
    if ((values['signing-key'] === undefined) === (values['kms-key-id'] === undefined)) throw new UsageError('give one of --signing-key FILE and --kms-key-id KEY_ID');
    for (const name of ['note-key', 'keys', 'origin'] as const) if (values[name] === undefined) throw new UsageError(`--${name} is required`);
    const options: ServeOptions = {
      host: values.host ?? '127.0.0.1',
      port: integerOption(values.port, 'port', 8787, 0, 65535),
      databaseUrl,
      ...(values['signing-key'] === undefined ? {} : { signingKeyFile: values['signing-key'] }),
      ...(values['kms-key-id'] === undefined ? {} : { kmsKeyId: values['kms-key-id'] }),
      noteKeyFile: values['note-key']!,
      keysFile: values.keys!,
      origin: values.origin!,
      period: integerOption(values.period, 'period', 86400, 1, 100 * 365 * 86400),
      pool: integerOption(values.pool, 'pool', 10, 1, 1000),
      ...secondsOption(values['query-timeout'], 'query-timeout', 86400, 'queryTimeoutMillis'),
      ...secondsOption(values['connect-timeout'], 'connect-timeout', 3600, 'connectionTimeoutMillis'),
      ...(values.witness === undefined ? {} : { witnesses: (values.witness as string[]).map(witnessOption) }),
      ...limitChoices(values),
    };
    const running = await startServe(options, io).catch((error: unknown) => {
      throw keyFileError(error);
    });
    const signal = await stopSignal();
    io.out(`received ${signal}, stopping`);
    await running.stop();
    io.out('stopped');
    return 0;
  },
};

/**
 * Where the database is, for the banner (no user name or password): node-postgres also takes an empty host
 * with the host in the query (`postgres://aegis@/log?host=/var/run/postgresql`), which WHATWG URL refuses.
 */
function databasePlace(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.hostname !== '') return `${parsed.host}${parsed.pathname}`;
  } catch {
    // below
  }
  const [head = '', query = ''] = url.split(/\?(.*)/s);
  return `${new URLSearchParams(query).get('host') ?? ''}${head.replace(/^[a-z]+:\/\/[^/]*/i, '')}`;
}

/** A whole number of seconds for `field` (ms), absent when the flag is not given: the store's default then. */
function secondsOption(value: string | undefined, name: string, max: number, field: 'queryTimeoutMillis' | 'connectionTimeoutMillis'): Partial<ServeOptions> {
  return value === undefined ? {} : { [field]: integerOption(value, name, 0, 1, max) * 1000 };
}
