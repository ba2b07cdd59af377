/**
 * The items of an async iterable or a ReadableStream, one by one. Safari and older
 * runtimes cannot `for await` a ReadableStream yet, so a stream without
 * `Symbol.asyncIterator` is read through its reader (released at the end).
 */
export async function* streamItems<T>(source: AsyncIterable<T> | ReadableStream<T>): AsyncGenerator<T> {
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
