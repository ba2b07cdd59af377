import { AegisLogError } from '../protocol/index.js';

/** What a caller gave as an export or a receipt source cannot be read: its mistake, `ERR_CONFIG` (never a bare TypeError). */
export function sourceError(message: string): AegisLogError {
  return new AegisLogError('ERR_CONFIG', message, { field: 'source' });
}

/**
 * The items of an async iterable or a ReadableStream, one by one. Safari and older
 * runtimes cannot `for await` a ReadableStream yet, so a stream without
 * `Symbol.asyncIterator` is read through its reader (released at the end).
 */
export async function* streamItems<T>(source: AsyncIterable<T> | ReadableStream<T>): AsyncGenerator<T> {
  if (typeof source !== 'object' || source === null || !(Symbol.asyncIterator in source || typeof (source as { getReader?: unknown }).getReader === 'function')) {
    throw sourceError('a source must be a string, bytes, a Blob, a ReadableStream, or an iterable or async iterable');
  }
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<T>;
    return;
  }
  const reader = (source as ReadableStream<T>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
