/** Serves a Web fetch handler over real HTTP on 127.0.0.1 (ephemeral port), for Workers and edge code to call. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  url: string;
  /** While down, every connection is reset before an answer (the API is unreachable); `resets` counts them. */
  setDown(down: boolean): void;
  readonly resets: number;
  close(): Promise<void>;
}

export async function serve(handler: (request: Request) => Promise<Response>): Promise<Served> {
  let down = false;
  let resets = 0;
  const server: Server = createServer(async (req, res) => {
    if (down) {
      resets += 1;
      req.socket.destroy();
      return;
    }
    try {
      const response = await handler(toRequest(req));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setDown: (value) => void (down = value),
    get resets() {
      return resets;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://127.0.0.1${req.url}`, {
    method: req.method,
    headers,
    ...(hasBody ? { body: req as unknown as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}
