import { isUtf8 } from 'node:buffer';
import { open, readFile, stat } from 'node:fs/promises';
import { duplicateNameReason, findDuplicateName, type DuplicateName } from '../protocol/duplicate-names.js';
import { firstInvalidUtf8 as firstInvalid } from '../protocol/utf8.js';
import { MAX_LINE } from '../verify/export-input.js';
import { jsonSyntaxReason } from './json-error.js';
import { InputError, type AuditorIO } from './run-checked.js';

/** A file's bytes, or stdin's for `-`, with the reason in words when it cannot be read. */
export async function readBytes(path: string, io: AuditorIO): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of io.stdin ?? process.stdin) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      // readFile's bound on a file (ERR_FS_FILE_TOO_LARGE): without it, a stream that never ends grows the process until it is killed.
      if (size > MAX_WHOLE_READ) throw new InputError(`cannot read stdin: ${TOO_LARGE}`);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${fsReason(error)}`);
  }
}

/** The most `readBytes` reads whole: readFile's own bound on a file (2^31 − 1 bytes, Node's kIoMaxLength). */
const MAX_WHOLE_READ = 2 ** 31 - 1;
const TOO_LARGE = 'it is larger than 2 GiB';

/** How errors name an input: its path, or `stdin` for `-`. */
export const sourceName = (path: string): string => (path === '-' ? 'stdin' : path);

/** A file's text (stdin's for `-`), strictly UTF-8: see `decodeUtf8`. `where` names it in errors. */
export async function readText(path: string, io: AuditorIO, where = sourceName(path)): Promise<string> {
  return decodeUtf8(await readBytes(path, io), where);
}

/**
 * The text of bytes that must be UTF-8, as they are: a byte that is not is unusable input (exit 2),
 * named by its line and byte offset, never replaced by U+FFFD, which would check another text than
 * the file holds (and could pass: an event whose string held U+FFFD hashes the same). A byte order
 * mark at the very start is dropped, as RFC 8259 §8.1 allows; anywhere else it is not JSON.
 */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  if (!isUtf8(bytes)) {
    const at = firstInvalid(bytes, 0, bytes.length);
    throw new NotUtf8(where, at, lineEnds(bytes, 0, at) + 1);
  }
  return new TextDecoder().decode(bytes);
}

/** Input that is not UTF-8: its first bad sequence, by byte offset (from 0) and line (from 1, when known). */
export class NotUtf8 extends InputError {
  constructor(
    readonly where: string,
    readonly offset: number,
    readonly line: number | undefined,
  ) {
    super(`${where} is not UTF-8: an invalid byte sequence at ${line === undefined ? '' : `line ${line}, `}byte offset ${offset} (convert the file to UTF-8, e.g. with iconv)`);
  }
}

/**
 * Refuses a stream that is not UTF-8, chunk by chunk, as `decodeUtf8` refuses a whole text: a
 * character cut between two chunks is joined, never an error. A chunk costs one validation pass
 * (simdutf, through node:buffer's isUtf8: under 10 ms for 376 MiB, measured here). Line ends are counted
 * only when asked (stdin, which cannot be read again): for a file, `lineOf` finds the line of a bad
 * sequence by reading it again, so that a valid export never pays for counting its lines.
 */
export class Utf8Check {
  /** The start of a character that the last chunk cut (at most 3 bytes), copied: a chunk's buffer may be reused. */
  private held = new Uint8Array(0);
  /** Bytes and line ends before the chunk being checked. */
  private offset = 0;
  private lines = 0;

  constructor(
    private readonly where: string,
    private readonly countLines: boolean,
  ) {}

  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.held.length > 0) {
      // The held bytes, and enough of this chunk to end the character they begin.
      const take = Math.min(chunk.length, 4 - this.held.length);
      const joined = new Uint8Array(this.held.length + take);
      joined.set(this.held);
      joined.set(chunk.subarray(0, take), this.held.length);
      const end = completeEnd(joined, 0, joined.length);
      if (!isUtf8(joined.subarray(0, end))) {
        const at = firstInvalid(joined, 0, end);
        this.fail(this.offset - this.held.length + at, this.countLines ? lineEnds(joined, 0, at) : 0);
      }
      if (take === chunk.length) {
        this.held = joined.slice(end);
        this.advance(chunk);
        return;
      }
      // Held bytes are a lead byte and its continuations: what was validated ends at or after them.
      from = end - this.held.length;
      this.held = new Uint8Array(0);
    }
    const end = completeEnd(chunk, from, chunk.length);
    if (!isUtf8(chunk.subarray(from, end))) {
      const at = firstInvalid(chunk, from, end);
      this.fail(this.offset + at, this.countLines ? lineEnds(chunk, 0, at) : 0);
    }
    // A copy, never `chunk.slice`: on a Node Buffer that is a view of the very memory the reader fills next.
    this.held = Uint8Array.prototype.slice.call(chunk, end);
    this.advance(chunk);
  }

  /** The input ended: a character it began and never ended is a bad sequence too. */
  end(): void {
    if (this.held.length > 0) this.fail(this.offset - this.held.length, 0);
  }

  private advance(chunk: Uint8Array): void {
    this.offset += chunk.length;
    if (this.countLines) this.lines += lineEnds(chunk, 0, chunk.length);
  }

  /** `inChunk`: the line ends of the current chunk before the bad sequence (held bytes have none). */
  private fail(offset: number, inChunk: number): never {
    throw new NotUtf8(this.where, offset, this.countLines ? this.lines + inChunk + 1 : undefined);
  }
}

/** `error` with its line, which a file read again tells when the stream did not count it. */
export async function lineOf(error: unknown, path: string): Promise<unknown> {
  if (!(error instanceof NotUtf8) || error.line !== undefined || path === '-') return error;
  // A pipe (`<(curl …)`, mkfifo) cannot be read again: opened again, it would wait for a writer that never comes.
  if (!(await stat(path).then((info) => info.isFile(), () => false))) return error;
  let line = 1;
  let offset = 0;
  try {
    for await (const chunk of fileChunks(path)) {
      line += lineEnds(chunk, 0, Math.min(chunk.length, error.offset - offset));
      offset += chunk.length;
      if (offset >= error.offset) break;
    }
  } catch {
    return error; // it could be read once: say what is known
  }
  return new NotUtf8(error.where, error.offset, line);
}

/** Where the character cut by the end of `b[from..to)` begins, or `to` when none is cut (a bad byte is left for the validation to find). */
function completeEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = to - 1; i >= Math.max(from, to - 3); i--) {
    const c = b[i]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: its character began before it
    const length = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 1;
    return i + length > to ? i : to;
  }
  return to;
}

/** The `\n` bytes in `b[from..to)`. */
function lineEnds(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(0x0a, from); i >= 0 && i < to; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Parses JSON, naming the file (and the line, for NDJSON) when it is not JSON, or when it gives a
 * member name twice: unusable input (exit 2), as JSON that does not parse is. The verifier would see
 * the last value, another reader the first (duplicate-names.ts); the server never writes one.
 */
export function parseJson(text: string, where: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where} is not valid JSON (${jsonSyntaxReason(text, error)})`);
  }
  refuseDuplicateNames(text, where);
  return value;
}

function refuseDuplicateNames(text: string, where: string): void {
  const duplicate = findDuplicateName(text);
  if (duplicate) throw new DuplicateNameInput(where, duplicate);
}

/** JSON input with a member name twice: named by the file (and line), the object's path and the name. */
export class DuplicateNameInput extends InputError {
  constructor(
    readonly where: string,
    readonly duplicate: DuplicateName,
  ) {
    super(`${where}: ${duplicateNameReason(duplicate)}`);
  }
}

/**
 * A JSON document, or NDJSON (one JSON value a line) when the whole text is not
 * one document. Returns the values and whether the input held several.
 */
export function parseJsonOrNdjson(text: string, where: string): { values: unknown[]; many: boolean } {
  // JSON's whitespace only (RFC 8259 §2): String.prototype.trim would drop a second BOM or a no-break space too.
  const trimmed = text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
  if (trimmed === '') throw new InputError(`${where} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const lines = text.split('\n');
    // NDJSON starts with a line that is JSON on its own. Otherwise this is one document (a bundle as
    // `jq` prints it) broken somewhere: say where in it, not that its first line, `{`, ends too early.
    if (!isJson(lines.find((line) => !blank(line))!)) throw new InputError(`${where} is not valid JSON (${jsonSyntaxReason(text.replace(/[ \t\n\r]+$/, ''), error)})`);
    const values = lines.flatMap((line, i) => (blank(line) ? [] : [parseJson(line, `${where} line ${i + 1}`)]));
    return { values, many: true };
  }
  refuseDuplicateNames(trimmed, where);
  if (!Array.isArray(value)) return { values: [value], many: false };
  if (value.length === 0) throw new InputError(`${where} is an empty array`);
  return { values: value, many: true };
}

const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputError(`cannot read ${path}: it is a directory`);
    return info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${path}: ${fsReason(error)}`);
  }
}

/**
 * How much of a file `readLineChunks` (`audit --gaps`) decodes at a time. A string over V8's regular
 * object size (about 128 KiB) lives in its large-object space, where each one maps fresh pages and a
 * collection unmaps them: with 1 MiB chunks, the v1 audit of 10^6 receipts (376 MiB), which read
 * through this before it read bytes, spent a third of its time there (7.3 s in all, 2.0 s of it in
 * the kernel; 4.9 s and 0.85 s with 64 KiB).
 */
export const LINE_CHUNK_BYTES = 1 << 16;

/**
 * The complete lines of a file (stdin's for `-`, from `io`), a chunk's worth at a time (one await per 64 KiB, not
 * per line), streamed so that an export of any size is never held whole: `text`
 * is the chunk's lines as one string, `lines` the same split. `onBytes` gets the
 * bytes read so far after each chunk (for progress). A line cut across chunks is kept
 * in pieces and joined once, when it ends: joined and searched again with every chunk,
 * a 40 MiB line took 58 s. A line longer than MAX_LINE (which the export audit refuses
 * too) is unusable input, thrown as soon as it is that long. It decodes each chunk whole
 * rather than read through LineSplitter and TextLines as the version-1 audit does: decoding
 * a line at a time, or a chunk's lines together, cost this command 9 to 23 % more CPU time
 * (medians of 7 to 13 runs, 200,000 lines with events).
 */
export async function* readLineChunks(path: string, onBytes?: (bytes: number) => void, io?: AuditorIO): AsyncGenerator<{ text: string; lines: string[] }> {
  // Fatal, though the check has refused bad bytes before it decodes them: nothing is ever replaced by U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const where = sourceName(path);
  // Stdin cannot be read again to find the line of a bad byte: its lines are counted as it streams.
  const check = new Utf8Check(where, path === '-');
  let pieces: string[] = [];
  /** UTF-16 units of the line not yet ended: never more than its UTF-8 bytes. */
  let carried = 0;
  let line = 1;
  let bytes = 0;
  try {
    // Each chunk is decoded into a string before the next is read: fileChunks may reuse its bytes.
    for await (const chunk of sourceChunks(path, io, LINE_CHUNK_BYTES)) {
      check.push(chunk);
      bytes += chunk.length;
      const text = decoder.decode(chunk, { stream: true });
      const end = text.lastIndexOf('\n');
      carried += end < 0 ? text.length : text.indexOf('\n');
      if (carried > MAX_LINE) throw new InputError(`${where} line ${line} is longer than ${MAX_LINE / 2 ** 20} MiB: no line of an export is`);
      if (end < 0) pieces.push(text);
      else {
        const done = linesOf(pieces.join('') + text.slice(0, end));
        line += done.lines.length;
        pieces = [text.slice(end + 1)];
        carried = text.length - end - 1;
        yield done;
      }
      onBytes?.(bytes);
    }
    check.end();
  } catch (error) {
    throw await readError(error, path);
  }
  const rest = pieces.join('') + decoder.decode();
  if (rest !== '') yield linesOf(rest);
}

/** A file's bytes a chunk at a time, or stdin's for `-`: what the streaming commands (`audit`, `--gaps`) read. */
export function sourceChunks(path: string, io: AuditorIO | undefined, size?: number): AsyncGenerator<Uint8Array> {
  return path === '-' ? stdinChunks(io) : fileChunks(path, size);
}

/** Stdin's bytes (`io.stdin` in tests), a string chunk encoded. */
async function* stdinChunks(io: AuditorIO | undefined): AsyncGenerator<Uint8Array> {
  for await (const chunk of (io?.stdin ?? process.stdin) as AsyncIterable<Uint8Array | string>) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
}

/**
 * `sourceChunks` of a file or of stdin (`-`, from `io`), refused where it stops being UTF-8 (`Utf8Check`),
 * its read errors worded as the command's: a file's chunk is overwritten once the next is asked for.
 */
export async function* readChunks(path: string, io?: AuditorIO): AsyncGenerator<Uint8Array> {
  // Stdin cannot be read again to find the line of a bad byte: its lines are counted as it streams.
  const check = new Utf8Check(sourceName(path), path === '-');
  try {
    for await (const chunk of sourceChunks(path, io)) {
      check.push(chunk);
      yield chunk;
    }
    check.end();
  } catch (error) {
    throw await readError(error, path);
  }
}

/** What a streamed read threw, as the command says it: input that is not UTF-8 with its line, or why the file cannot be read. */
export async function readError(error: unknown, path: string): Promise<unknown> {
  if (error instanceof InputError) return lineOf(error, path);
  return new InputError(`cannot read ${sourceName(path)}: ${fsReason(error)}`);
}

/**
 * Refuses `-` given more than once among a command's inputs (unusable input, exit 2): stdin can be read once,
 * and the second reader would find it empty, or the first would have taken what was meant for the second.
 */
export function stdinOnce(paths: readonly (string | undefined)[]): void {
  if (paths.filter((path) => path === '-').length > 1) throw new InputError('stdin (-) can be given once');
}

/** How much of a file `fileChunks` reads at a time. */
export const FILE_CHUNK_BYTES = 1 << 20;

/**
 * A file's bytes, read into two buffers in turn: the next chunk is read while the caller works on
 * this one, and a chunk is overwritten once the caller asks for the next, so it must be done with
 * it by then (the export audit copies what it keeps). A fresh 1 MiB buffer per chunk, as
 * `createReadStream` makes, is mapped and unmapped each time: reading a 400 MB export that way cost
 * 1.3 s of kernel time, against under 0.1 s into buffers used again. Errors are fs errors, for the
 * caller to word.
 */
export async function* fileChunks(path: string, size = FILE_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  // A pipe (`<(curl …)`, mkfifo, /dev/stdin) has no offsets: it is read where it stands, as a file may be too.
  const seekable = await file.stat().then((info) => info.isFile(), () => false);
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  let turn = 0;
  let position = 0;
  // Each read is watched from its start: one that fails while the caller still works on the chunk
  // before would otherwise be an unhandled rejection, which ends the process; it is thrown when asked for.
  const read = (at: number) => {
    const reading = file.read(buffers[turn]!, 0, size, seekable ? at : null);
    reading.catch(() => undefined);
    return reading;
  };
  let next = read(0);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const chunk = buffers[turn]!.subarray(0, bytesRead);
      position += bytesRead;
      turn ^= 1;
      next = read(position);
      yield chunk;
    }
  } finally {
    await next.catch(() => undefined); // a read still running when the caller stops: let it end before close
    await file.close();
  }
}

function linesOf(text: string): { text: string; lines: string[] } {
  return { text, lines: text.split('\n') };
}

/** Why a file cannot be read, in words (node's own message for the rarer codes). */
export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ERR_FS_FILE_TOO_LARGE') return TOO_LARGE;
  return error instanceof Error ? error.message : String(error);
}
