import { createRequire } from 'node:module';
import type { CliIO } from './command.js';
import { UsageError } from './command.js';
import { commands } from './commands.js';

const consoleIO: CliIO = { out: (line) => console.log(line), err: (line) => console.error(line) };

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: aegislog <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `aegislog <command> --help` for its options, `aegislog --version` for the version.',
  ].join('\n');
}

/** This package's version, from its own package.json (by its name: the code runs from src/ or from a chunk of dist/). */
const version = (): string => (createRequire(import.meta.url)('aegislog/package.json') as { version: string }).version;

/** The `aegislog` command: dispatches to a subcommand and resolves to the process exit code. */
export async function main(argv: string[], io: CliIO = consoleIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(help()); // a usage error, as an unknown command is: nothing on stdout
    return 2;
  }
  // `aegislog help verify`, as git and npm take it: that command's usage, as `aegislog verify --help` prints it.
  if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return 0;
  }
  // What an auditor writes beside a verdict, and an operator in a bug report.
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`aegislog ${version()}`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`aegislog: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`aegislog ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`aegislog ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
