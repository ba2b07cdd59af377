import type { Command } from './command.js';
import { auditCommand } from './audit.js';
import { devCommand } from './dev.js';
import { keygenCommand } from './keygen.js';
import { serveCommand } from './serve.js';
import { mirrorCommand } from './mirror.js';
import { historyCommand } from './history.js';
import { verifyCommand } from './verify.js';
import { witnessCommand } from './witness.js';

/** Every `aegislog` subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [devCommand, serveCommand, verifyCommand, auditCommand, historyCommand, keygenCommand, witnessCommand, mirrorCommand];
