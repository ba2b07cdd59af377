import { AegisLogError } from '../protocol/errors.js';

/** What SQLite answers for a path that is no database it can open: a folder, a file of other bytes. */
const NOT_A_DATABASE = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB']);

/**
 * A path SQLite cannot open as a database (`what`: "database", "witness database"): ERR_CONFIG naming it, as every
 * other mistake in the path is, for the log server's store and the witness's alike.
 */
export function cannotOpen(what: string, path: string, cause: unknown): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `cannot open the ${what} ${path}: ${(cause as Error).message}`, { field: 'path', cause });
}

/** An error of the first statements on a new connection: `cannotOpen` when it says the file is no database, else as it is. */
export function openError(what: string, path: string, error: unknown): unknown {
  return NOT_A_DATABASE.has((error as { code?: string }).code ?? '') ? cannotOpen(what, path, error) : error;
}
