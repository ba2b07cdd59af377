import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AegisLogError, hexEncode, sha256 } from '../protocol/index.js';
import { readNoteKeyFile } from '../server/note-key-file.js';
import { listen, type NodeServerHandle } from '../server/node.js';
import { parseVkey } from '../tlog/vkey.js';
import {
  cosigner, createWitness, witnessFileStore, witnessHandler, witnessSqliteStore, type WitnessStore,
} from '../witness/node.js';
import type { CliIO, Command } from './command.js';
import { UsageError, hostError, integerOption, keyFileError, makeDataFolder, parseOptions } from './command.js';
import { decodeUtf8, fsReason } from './input.js';

const USAGE = `Usage: aegislog witness --key FILE --logs VKEYS_OR_POLICY [--data DIR] [--host 127.0.0.1] [--port 8788]
                        [--prefix /] [--store sqlite|file] [--sync full|normal]

Runs a C2SP tlog-witness: POST <prefix>/add-checkpoint cosigns a log's
checkpoint when it is consistent with the last one this witness cosigned for
that log (tlog-witness statuses 200, 400, 403, 404, 409, 422), and
GET <prefix>/<sha256(origin) hex>/checkpoint serves the latest cosigned one.
Refused checkpoints of a log that may have forked are kept as evidence at
GET <prefix>/<sha256(origin) hex>/refusals (NDJSON, ?limit=&after= pages).

  --key FILE     signer keys, PRIVATE+KEY+... lines (aegislog keygen --witness):
                 an Ed25519 key (cosignature/v1), optionally an ML-DSA-44 one
                 (subtree/v1, needs @noble/post-quantum); mode 0600
  --logs PATH    the logs to witness: a file of log vkeys, one per line (as a
                 log serves them at /.well-known/aegislog/vkeys), or a
                 tlog-policy file (its "log" lines); or one vkey itself
  --data DIR     where the state lives (default ./.aegislog-witness)
  --store KIND   sqlite (default: DIR/witness.db) or file (DIR/latest/ and
                 DIR/refusals.ndjson, for Node without better-sqlite3)
  --sync MODE    full (default): each cosigned checkpoint is fsynced before the
                 answer; normal: survives a crash of the process, not of the machine
  --prefix PATH  the submission and monitoring prefix (default: none)

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.`;

export interface WitnessServeOptions {
  keyFile: string;
  logs: string;
  dataDir: string;
  host: string;
  port: number;
  prefix: string;
  store: 'sqlite' | 'file';
  sync: 'full' | 'normal';
}

export interface RunningWitness {
  url: string;
  /** The witness's vkeys, for the policies of those who rely on it. */
  vkeys: string[];
  stop(): Promise<void>;
}

/** What each kind of store keeps in the data folder (file: latest.json before latest/ was a folder). */
const STATE_FILES = { sqlite: ['witness.db'], file: ['latest', 'latest.json', 'refusals.ndjson'] } as const;

/**
 * A folder holding the other kind's state is refused: started on it, this witness would not know what it
 * cosigned there, and would cosign a second root for a size it already cosigned (a fork it must never sign).
 */
function refuseOtherState({ dataDir, store }: WitnessServeOptions): void {
  const other = store === 'file' ? 'sqlite' : 'file';
  const found = STATE_FILES[other].find((name) => existsSync(join(dataDir, name)));
  if (found) {
    throw new UsageError(
      `--data ${dataDir} holds a witness state of --store ${other} (${found}); started with --store ${store} this witness would not know what it cosigned. Start it with --store ${other}, or give another --data`,
    );
  }
}

/** Starts a witness on node:http and prints how to rely on it; the caller decides when to stop. */
export async function startWitness(options: WitnessServeOptions, io: CliIO): Promise<RunningWitness> {
  const keys = await readNoteKeyFile(options.keyFile);
  const cosigners = await Promise.all(keys.map((k) => cosigner(k)));
  const logs = await readLogs(options.logs);
  await makeDataFolder(options.dataDir, '--data');
  refuseOtherState(options);
  const store: WitnessStore =
    options.store === 'file' ? await witnessFileStore(options.dataDir) : await witnessSqliteStore(join(options.dataDir, 'witness.db'), { synchronous: options.sync });
  try {
    refuseOtherState(options); // two processes started at once on an empty folder, one of each kind: both refuse
  } catch (error) {
    await store.close?.();
    throw error;
  }
  let http: NodeServerHandle | undefined;
  try {
    const witness = createWitness({ cosigners, logs, store });
    const handler = witnessHandler(witness, {
      prefix: options.prefix,
      onError: (error) => io.err(`aegislog witness: ${(error as Error).message}`),
    });
    http = await listen(handler, { host: options.host, port: options.port }).catch((error: unknown) => {
      throw hostError(error, options.host, options.port);
    });
    const base = `${http.url}${options.prefix.replace(/\/+$/, '')}`;
    const name = cosigners[0]!.name;
    io.out([
      `AegisLog witness ${name} listening on ${base}/add-checkpoint`,
      `  data:    ${resolve(options.dataDir)} (${options.store === 'file' ? 'files' : `SQLite, synchronous=${options.sync}`})`,
      '  keys:',
      ...cosigners.map((c) => `    ${c.vkey}`),
      '  logs:',
      ...witness.origins.map((o) => `    ${o}  (monitor: ${base}/${hexEncode(sha256(new TextEncoder().encode(o)))}/checkpoint)`),
      '  in a tlog-policy:',
      ...cosigners.map((c, i) => `    witness ${i === 0 ? 'w1' : `w1-${c.type === 0x06 ? 'mldsa' : i}`} ${c.vkey} ${base}`),
    ].join('\n'));
    const handle = http;
    return {
      url: base,
      vkeys: cosigners.map((c) => c.vkey),
      async stop() {
        await handle.close();
        await store.close?.();
      },
    };
  } catch (error) {
    await http?.close();
    await store.close?.();
    throw error;
  }
}

async function readLogs(source: string): Promise<string> {
  if (existsSync(source)) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source);
    } catch (error) {
      throw new UsageError(`cannot read ${source}: ${fsReason(error)}`);
    }
    // As `aegislog verify --policy` reads the same file: a byte order mark at the start dropped, a byte that is not
    // UTF-8 refused (Node's decoder put U+FFFD in its place: a policy other than the file holds).
    try {
      return decodeUtf8(bytes, source);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  try {
    return parseVkey(source).text;
  } catch {
    throw new UsageError(`--logs ${source} is neither a readable file nor a vkey`);
  }
}

/**
 * A --logs file that gives no usable log key (a policy with a mistake, none at all), or a --key file whose keys make
 * no witness (no Ed25519 cosigner, an ML-DSA-44 name too long): unusable input, as a bad vkey line is.
 */
function logsError(error: unknown): unknown {
  const { code, field } = (error ?? {}) as { code?: unknown; field?: unknown };
  return error instanceof AegisLogError && (code === 'ERR_POLICY_INVALID' || (code === 'ERR_CONFIG' && (field === 'logs' || field === 'cosigners'))) ? new UsageError(error.message) : error;
}

export const witnessCommand: Command = {
  usage: USAGE,
  async run(args, io) {
    const values = parseOptions(args, {
      key: { type: 'string' },
      logs: { type: 'string' },
      data: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      prefix: { type: 'string' },
      store: { type: 'string' },
      sync: { type: 'string' },
    });
    if (values.key === undefined) throw new UsageError('--key FILE is required (aegislog keygen --witness NAME --out DIR makes one)');
    if (values.logs === undefined) throw new UsageError('--logs is required: the vkeys or the tlog-policy of the logs to witness');
    if (values.store !== undefined && values.store !== 'sqlite' && values.store !== 'file') throw new UsageError('--store must be sqlite or file');
    if (values.sync !== undefined && values.sync !== 'full' && values.sync !== 'normal') throw new UsageError('--sync must be full or normal');
    const prefix = values.prefix ?? '';
    if (prefix !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(prefix)) throw new UsageError('--prefix must be a path starting with /');
    const running = await startWitness(
      {
        keyFile: values.key,
        logs: values.logs,
        dataDir: values.data ?? '.aegislog-witness',
        host: values.host ?? '127.0.0.1',
        port: integerOption(values.port, 'port', 8788, 0, 65535),
        prefix,
        store: (values.store as 'sqlite' | 'file' | undefined) ?? 'sqlite',
        sync: (values.sync as 'full' | 'normal' | undefined) ?? 'full',
      },
      io,
    ).catch((error: unknown) => {
      throw logsError(keyFileError(error));
    });
    const signal = await new Promise<NodeJS.Signals>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    io.out(`received ${signal}, stopping`);
    await running.stop();
    io.out('stopped');
    return 0;
  },
};
