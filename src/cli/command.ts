import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** One subcommand of `aegislog`: a file exporting this, plus its name and summary in `commands.ts`. */
export interface Command {
  /** Full usage text for `aegislog <name> --help`. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

/** A mistake in how the command was called: usage is printed and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `node:util` parseArgs, strict, with its errors turned into UsageError. */
type OptionValues<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>
>['values'];

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T): OptionValues<T> {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const repeated = repeatedOption(parsed.tokens, options);
  if (repeated) throw new UsageError(repeated);
  return parsed.values;
}

/**
 * A single-valued option given twice: parseArgs keeps the last one silently, so
 * `--policy a.txt --policy b.txt` would check against b alone. Refused instead.
 */
export function repeatedOption(
  tokens: readonly { kind: string; name?: string; rawName?: string }[],
  options: NonNullable<ParseArgsConfig['options']>,
): string | undefined {
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    const option = options[t.name];
    if (option?.type !== 'string' || option.multiple) continue;
    if (seen.has(t.name)) return `Option '--${t.name}' is given twice; it takes one value`;
    seen.add(t.name);
  }
  return undefined;
}

export function integerOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** A server's data folder, made if missing (mode 0700): one that cannot be is a mistake in `flag`, said in words. */
export async function makeDataFolder(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`${flag} ${dir}: cannot make the data folder (${why})`);
  }
}

/** What `listen` threw, as a mistake in `--host` when that is what it was (a name that does not resolve, an address not here), or a port in use. */
export function hostError(error: unknown, host: string, port?: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  // A port another process holds: said in one line with the way out, as `aegislog dev` says it (exit 1: not a mistake in the command).
  if (code === 'EADDRINUSE' && port !== undefined) return new Error(`${host}:${port} is already in use: stop what listens there, or pick another --port (--port 0 picks a free one)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new UsageError(`--host ${host}: cannot listen there (the name does not resolve)`);
  if (code === 'EADDRNOTAVAIL') return new UsageError(`--host ${host}: cannot listen there (not an address of this machine)`);
  return error;
}

/**
 * A key file the command was given (serve's --signing-key and --note-key, witness's --key) that cannot be
 * read or holds no usable key: unusable input (exit 2), as an unreadable --keys or --logs file is.
 */
export function keyFileError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === 'ERR_KEY_INVALID' || code === 'ERR_VKEY_INVALID') ? new UsageError(error.message) : error;
}
