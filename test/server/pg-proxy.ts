import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL, for faults a clean stop cannot make: `freeze()` holds
 * every byte both ways, and the database's closes (a process that hangs, or a network that goes silent,
 * mid-transaction), and `cut()`
 * closes the client side only, so the server keeps the sessions (a half-open connection).
 */
export interface PgProxy {
  port: number;
  /** `url` with the proxy's port in place of the server's. */
  through(url: string): string;
  /** Local ports of the server-side sockets: `client_port` in pg_stat_activity. */
  upstreamPorts(): number[];
  freeze(): void;
  /**
   * Freezes at the first message from a client that names `marker` (a named statement's Bind, `COMMIT`): before
   * passing it on, or with `pass` just after (the database runs it; its answer is held).
   */
  freezeAt(marker: string, pass?: boolean): Promise<void>;
  thaw(): void;
  cut(): void;
  /** Closes every connection on both sides: the database sees its clients go and rolls their transactions back. */
  drop(): void;
  close(): Promise<void>;
}

export async function pgProxy(serverPort: number): Promise<PgProxy> {
  const pairs: { client: Socket; server: Socket; held: [Socket, Buffer | null][] }[] = [];
  const halfOpen: Socket[] = [];
  let frozen = false;
  let trap: { marker: string; pass: boolean; sprung(): void } | undefined;
  const server = createServer((client) => {
    const upstream = connect(serverPort, '127.0.0.1');
    const pair = { client, server: upstream, held: [] as [Socket, Buffer | null][] };
    pairs.push(pair);
    const forward = (to: Socket) => (data: Buffer) => (frozen ? pair.held.push([to, data]) : to.write(data));
    client.on('data', (data: Buffer) => {
      const sprung = trap && !frozen && data.includes(trap.marker, 0, 'latin1') ? trap : undefined;
      if (sprung) {
        trap = undefined;
        if (sprung.pass) upstream.write(data);
        frozen = true;
        sprung.sprung();
        if (sprung.pass) return;
      }
      forward(upstream)(data);
    });
    upstream.on('data', forward(client));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
    // A silent network delivers no FIN either: the database ending a session (its idle-in-transaction timeout)
    // reaches the client only at thaw, after the bytes held before it.
    upstream.on('close', () => (frozen ? pair.held.push([client, null]) : client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    through: (url) => url.replace(`:${serverPort}/`, `:${port}/`),
    upstreamPorts: () => [...pairs.map((p) => p.server), ...halfOpen].filter((s) => !s.destroyed).map((s) => s.localPort!),
    freeze: () => void (frozen = true),
    freezeAt: (marker, pass = false) => new Promise<void>((sprung) => (trap = { marker, pass, sprung })),
    thaw() {
      frozen = false;
      // A held close (null) ends the socket once the bytes before it are written.
      for (const pair of pairs) for (const [to, data] of pair.held.splice(0)) if (!to.destroyed) (data ? to.write(data) : to.end());
    },
    cut() {
      for (const pair of pairs.splice(0)) {
        pair.client.removeAllListeners('close'); // the server side stays open: its session lives on
        pair.client.destroy();
        halfOpen.push(pair.server);
      }
    },
    drop() {
      for (const pair of pairs.splice(0)) {
        pair.client.destroy();
        pair.server.destroy();
      }
      frozen = false;
    },
    async close() {
      for (const socket of [...pairs.splice(0).flatMap((p) => [p.client, p.server]), ...halfOpen.splice(0)]) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
