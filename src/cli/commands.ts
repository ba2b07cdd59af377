import type { Command } from './command.js';

/**
 * A subcommand as `aegislog --help` lists it. Its module is imported only when it
 * is asked for: `aegislog audit` then loads no server, no HTTP stack and no SQLite.
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for `aegislog --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every `aegislog` subcommand, in the order `--help` lists them. */
export const commands: readonly CommandEntry[] = [
  { name: 'dev', summary: 'run the reference server on 127.0.0.1 with SQLite, a local key and a demo tenant', load: async () => (await import('./dev.js')).devCommand },
  { name: 'serve', summary: 'run the server on PostgreSQL: any number of processes on one database are one log', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'verify', summary: 'check evidence bundles offline against a pinned key or a tlog-policy', load: async () => (await import('./verify.js')).verifyCommand },
  { name: 'audit', summary: 'audit a period export: every entry, against the signed heads', load: async () => (await import('./audit.js')).auditCommand },
  { name: 'history', summary: 'check a checkpoint history: signed, append-only, witnessed', load: async () => (await import('./history.js')).historyCommand },
  { name: 'keygen', summary: 'make a P-256 signing key pair (PEM and JWK, kid = RFC 7638 thumbprint)', load: async () => (await import('./keygen.js')).keygenCommand },
  { name: 'witness', summary: 'run a C2SP tlog-witness that cosigns consistent checkpoints of the logs it is given', load: async () => (await import('./witness.js')).witnessCommand },
  { name: 'mirror', summary: 'copy a log\'s tiles, checkpoints and vkeys into a folder for static hosting', load: async () => (await import('./mirror.js')).mirrorCommand },
];
