/**
 * A request whose body must arrive whole within `ms`: a client that sends part of it and stalls
 * (slowloris) would else hold the relay, its read buffer and its connection for as long as the host
 * allows. Workers and Vercel bound that themselves; under Node it is the adapter's `requestTimeout`,
 * 300 s by Node's default and none at all in some (Fastify's default is 0). Once the time is up the
 * body stream errors (the reader sees the body cut off) and the upload is cancelled; `expired` says why.
 */
export interface TimedBody {
  request: Pick<Request, 'headers' | 'body'>;
  readonly expired: boolean;
  /** The body was read (or refused): the deadline no longer runs. */
  stop(): void;
}

export function timedBody(request: Request, ms: number): TimedBody {
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const source = request.body;
  if (!source) return { request, expired, stop };
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      start(controller) {
        timer = setTimeout(() => {
          expired = true;
          controller.error(new Error(`the request body did not arrive within ${ms} ms`));
          void reader.cancel().catch(() => {});
        }, ms);
      },
      async pull(controller) {
        const next = await reader.read();
        // After the deadline the stream is errored already: what the cancelled read returns goes nowhere.
        if (expired) return;
        if (next.done) {
          stop();
          controller.close();
        } else controller.enqueue(next.value);
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    },
    // Pulled only when read: never ahead of the reader, which stops at the body limit.
    { highWaterMark: 0 },
  );
  return {
    request: { headers: request.headers, body },
    get expired() {
      return expired;
    },
    stop,
  };
}
