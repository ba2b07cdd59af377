import { open, readFile, stat } from 'node:fs/promises';
import { jsonSyntaxReason } from './json-error.js';
import { InputError, type AuditorIO } from './run-checked.js';

/** A file's bytes, or stdin's for `-`, with the reason in words when it cannot be read. */
export async function readBytes(path: string, io: AuditorIO): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of io.stdin ?? process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${fsReason(error)}`);
  }
}

export async function readText(path: string, io: AuditorIO): Promise<string> {
  return new TextDecoder('utf-8', { fatal: false }).decode(await readBytes(path, io));
}

/** Parses JSON, naming the file (and the line, for NDJSON) when it is not JSON. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where} is not valid JSON (${jsonSyntaxReason(text, error)})`);
  }
}

/**
 * A JSON document, or NDJSON (one JSON value a line) when the whole text is not
 * one document. Returns the values and whether the input held several.
 */
export function parseJsonOrNdjson(text: string, where: string): { values: unknown[]; many: boolean } {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${where} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const lines = text.split('\n');
    // NDJSON starts with a line that is JSON on its own. Otherwise this is one document (a bundle as
    // `jq` prints it) broken somewhere: say where in it, not that its first line, `{`, ends too early.
    if (!isJson(lines.find((line) => line.trim() !== '')!)) throw new InputError(`${where} is not valid JSON (${jsonSyntaxReason(text.trimEnd(), error)})`);
    const values = lines.flatMap((line, i) => (line.trim() === '' ? [] : [parseJson(line, `${where} line ${i + 1}`)]));
    return { values, many: true };
  }
  if (!Array.isArray(value)) return { values: [value], many: false };
  if (value.length === 0) throw new InputError(`${where} is an empty array`);
  return { values: value, many: true };
}

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
 * The complete lines of a file, a chunk's worth at a time (one await per 64 KiB, not
 * per line), streamed so that an export of any size is never held whole: `text`
 * is the chunk's lines as one string, `lines` the same split. `onBytes` gets the
 * bytes read so far after each chunk (for progress).
 */
export async function* readLineChunks(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<{ text: string; lines: string[] }> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let bytes = 0;
  try {
    // Each chunk is decoded into a string before the next is read: fileChunks may reuse its bytes.
    for await (const chunk of fileChunks(path, LINE_CHUNK_BYTES)) {
      bytes += chunk.length;
      const text = carry + decoder.decode(chunk, { stream: true });
      const end = text.lastIndexOf('\n');
      carry = text.slice(end + 1);
      if (end >= 0) yield linesOf(text.slice(0, end));
      onBytes?.(bytes);
    }
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${fsReason(error)}`);
  }
  carry += decoder.decode();
  if (carry !== '') yield linesOf(carry);
}

/** `fileChunks` of a file, its read errors worded as the command's: a chunk is overwritten once the next is asked for. */
export async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  try {
    yield* fileChunks(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${fsReason(error)}`);
  }
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
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  let turn = 0;
  let position = 0;
  // Each read is watched from its start: one that fails while the caller still works on the chunk
  // before would otherwise be an unhandled rejection, which ends the process; it is thrown when asked for.
  const read = (at: number) => {
    const reading = file.read(buffers[turn]!, 0, size, at);
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

function fsReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
