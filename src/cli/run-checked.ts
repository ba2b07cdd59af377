import { parseArgs, type ParseArgsConfig } from 'node:util';
import { repeatedOption, type CliIO } from './command.js';
import { printable } from './printable.js';

/**
 * What the auditor commands (verify, audit, keygen) need beyond `CliIO`, each
 * optional so that `main()` runs them as plain commands and tests inject fakes:
 * stdin for `-`, fetch for URL keys, and a terminal for the progress bar.
 */
export interface AuditorIO extends CliIO {
  stdin?: AsyncIterable<string | Uint8Array>;
  fetch?: typeof fetch;
  /** Where the progress bar draws; `null` for none. Default: stderr when it is a terminal. */
  progress?: { write(text: string): unknown; columns?: number } | null;
}

/** Exit codes: 0 everything checked out, 1 a check failed, 2 the command could not run (usage, unreadable input, bad key). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Unusable input or usage: one line on stderr, exit 2. */
export class InputError extends Error {
  override name = 'InputError';
}

type Values<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>['values'];

export interface Checked<O extends NonNullable<ParseArgsConfig['options']>> {
  name: string;
  options: O;
  positionals: { min: number; max: number };
}

/**
 * Parses argv strictly (an unknown flag is an error) and runs `body`, turning
 * every failure into one line on stderr and exit 2, never a stack trace: a
 * broken bundle must not look like a crash of the tool, nor a crash like a
 * broken bundle (that is exit 1, which only `body` returns).
 */
export async function runChecked<O extends NonNullable<ParseArgsConfig['options']>>(
  spec: Checked<O>,
  args: readonly string[],
  io: CliIO,
  body: (values: Values<O>, positionals: string[]) => Promise<number>,
): Promise<number> {
  const seeHelp = `(see aegislog ${spec.name} --help)`;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], options: spec.options, strict: true, allowPositionals: true, tokens: true });
    } catch (error) {
      throw new InputError(`${oneLine(error)} ${seeHelp}`);
    }
    const repeated = repeatedOption(parsed.tokens, spec.options);
    if (repeated) throw new InputError(`${repeated} ${seeHelp}`);
    const { min, max } = spec.positionals;
    if (parsed.positionals.length < min) throw new InputError(`missing argument ${seeHelp}`);
    if (parsed.positionals.length > max) throw new InputError(`unexpected argument '${parsed.positionals[max]}' ${seeHelp}`);
    return await body(parsed.values as Values<O>, parsed.positionals);
  } catch (error) {
    io.err(printable(`aegislog ${spec.name}: ${oneLine(error)}`)); // a reason may quote the input's bytes
    return EXIT.usage;
  }
}

/** A flag that must be given (`parseArgs` cannot mark one required). */
export function required<T>(value: T | undefined, flag: string, command: string): T {
  if (value === undefined) throw new InputError(`${flag} is required (see aegislog ${command} --help)`);
  return value;
}

/** The first line of whatever was thrown, without parseArgs' advice about positionals. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
}
