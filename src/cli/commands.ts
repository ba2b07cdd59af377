import type { Command } from './command.js';
import { devCommand } from './dev.js';

/** Every `aegislog` subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [devCommand];
