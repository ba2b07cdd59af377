// The per-client connection limit (`HttpLimits.maxConnectionsPerClient`) counted each exact address, so an
// IPv6 client, which holds a whole /64 (2^64 addresses), had no limit at all. Loopback offers one IPv6
// address, so the connections here are stand-ins for sockets, given to a real node:http server.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { limitPerClient } from '../../src/server/node-http.js';

/** A connection from `address`: whether the limit cut it, and a way to close it. */
function connect(server: ReturnType<typeof createServer>, address: string) {
  const socket = Object.assign(new EventEmitter(), { remoteAddress: address, destroyed: false, destroy() { this.destroyed = true; } });
  server.emit('connection', socket as unknown as Socket);
  return { get cut() { return socket.destroyed; }, close: () => socket.emit('close') };
}

describe('maxConnectionsPerClient', () => {
  test('counts an IPv6 client by its /64, not by each of its addresses', () => {
    const server = createServer();
    limitPerClient(server, 2);
    expect(connect(server, '2001:db8:1:2::1').cut).toBe(false);
    expect(connect(server, '2001:db8:1:2:ffff:0:0:7').cut).toBe(false);
    expect(connect(server, '2001:db8:1:2:abcd::9').cut).toBe(true); // the third of one /64
    expect(connect(server, '2001:0db8:0001:0002:0000:0000:0000:0003').cut).toBe(true); // the same /64, written in full
    expect(connect(server, '2001:db8:1:3::1').cut).toBe(false); // another /64
  });

  test('counts IPv4 clients, mapped into IPv6 or not, by their whole address', () => {
    const server = createServer();
    limitPerClient(server, 1);
    const first = connect(server, '::ffff:192.0.2.1');
    expect(first.cut).toBe(false);
    expect(connect(server, '192.0.2.1').cut).toBe(true);
    expect(connect(server, '::ffff:192.0.2.2').cut).toBe(false);
    expect(connect(server, '192.0.2.3').cut).toBe(false);
    first.close();
    expect(connect(server, '192.0.2.1').cut).toBe(false);
  });
});
