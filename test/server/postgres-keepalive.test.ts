import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { KEEPALIVE_DELAY_MS, postgresStore } from '../../src/server/postgres-store.js';
import { LIVE_SPACE } from '../../src/server/postgres-schema.js';
import { pollUntil, usePostgres } from './postgres-fleet.js';

/**
 * Every connection of postgresStore has TCP keepalive on, so that a network partition to the database is noticed
 * on an idle connection too (the liveness connection is idle between seals), not only at its next statement. Read
 * from the kernel, on a throwaway cluster: /proc/net/tcp's `tr` column (timer_active) is 2 when the socket's
 * sk_timer runs, which on an established socket with nothing unacknowledged is the keepalive timer, and 0 when no
 * timer runs (Documentation/networking/proc_net_tcp.rst); `tm->when` is the time left on it, in USER_HZ (100/s).
 */
const db = usePostgres();

interface SocketTimer {
  /** timer_active: 0 none, 1 retransmit, 2 keepalive (sk_timer), 3 TIME_WAIT, 4 zero window probe. */
  timer: number;
  /** Time left on that timer, in seconds. */
  leftSeconds: number;
}

/** The timer of this machine's TCP socket from local port `local` to remote port `remote`, or undefined if none. */
function socketTimer(local: number, remote: number): SocketTimer | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 6 || !fields[1]!.endsWith(`:${hex(local)}`) || !fields[2]!.endsWith(`:${hex(remote)}`)) continue;
      const [timer, when] = fields[5]!.split(':');
      return { timer: parseInt(timer!, 16), leftSeconds: parseInt(when!, 16) / 100 };
    }
  }
  return undefined;
}

test('every connection of the store, the pool\'s and the liveness one, has TCP keepalive armed', async () => {
  const url = db.cluster.createDatabase();
  const store = await postgresStore({ connectionString: url, max: 3 });
  const [admin, locker] = [new db.pg.Client({ connectionString: url }), new db.pg.Client({ connectionString: url })];
  await Promise.all([admin.connect(), locker.connect()]);
  try {
    // The pool at its full three connections: three calls that wait on a table lock held here each hold one.
    await locker.query('BEGIN; LOCK TABLE aegislog_meta IN ACCESS EXCLUSIVE MODE');
    const reads = Promise.all([store.closedUntil(), store.closedUntil(), store.closedUntil()]);
    const lockWaits = async () =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n === 3;
    expect(await pollUntil(lockWaits)).toBe(true);
    await locker.query('COMMIT');
    await reads;

    const others = await Promise.all([admin, locker].map(async (c) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number));
    const { rows } = await admin.query(`SELECT a.client_port AS port, EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
        AND l.classid = ${LIVE_SPACE}::oid AND l.objsubid = 2) AS liveness
      FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> ALL($1::int[])`, [others]);
    expect(rows.filter((r) => r.liveness)).toHaveLength(1);
    expect(rows).toHaveLength(4); // three of the pool, one for liveness
    const ports = rows.map((r) => r.port as number);

    // Idle now: each socket's timer is the keepalive one, due within the store's delay. (Polled: a socket may still
    // wait for the ACK of its last bytes, its retransmit timer running meanwhile.)
    const server = db.cluster.port;
    const armed = async () => {
      await admin.query('SELECT 1');
      return ports.every((port) => {
        const t = socketTimer(port, server);
        return t?.timer === 2 && t.leftSeconds <= KEEPALIVE_DELAY_MS / 1000;
      });
    };
    const ok = await pollUntil(armed, 100);
    expect(ok ? [] : ports.map((port) => ({ port, ...socketTimer(port, server) }))).toEqual([]);
    // The check can tell: the test's own connection, a pg client without keepalive, has no timer when idle.
    await locker.query('SELECT 1');
    expect(socketTimer((locker as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort, server)).toEqual({ timer: 0, leftSeconds: 0 });
  } finally {
    await Promise.all([admin.end(), locker.end()]);
    await store.close();
  }
});

test("the liveness session's socket on the database side probes within the same delay, not the OS's 2 hours", async () => {
  // A partitioned process's session, and so its liveness lock, lives in the database until the database's own
  // keepalive gives up on it: with the OS default (tcp_keepalive_time, 7,200 s) a takeover waits for the lease.
  const url = db.cluster.createDatabase();
  const store = await postgresStore({ connectionString: url, max: 1 });
  const admin = new db.pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await store.closedUntil();
    const { rows } = await admin.query(`SELECT a.client_port AS port FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
      WHERE a.datname = current_database() AND l.locktype = 'advisory' AND l.classid = ${LIVE_SPACE}::oid AND l.objsubid = 2`);
    expect(rows).toHaveLength(1);
    const port = rows[0].port as number;
    const server = db.cluster.port;
    // The database's socket: from its port to the session's. Polled, as above.
    const armed = async () => {
      await admin.query('SELECT 1');
      const t = socketTimer(server, port);
      return t?.timer === 2 && t.leftSeconds <= KEEPALIVE_DELAY_MS / 1000;
    };
    const ok = await pollUntil(armed, 100);
    expect(ok ? undefined : socketTimer(server, port)).toBeUndefined();
  } finally {
    await admin.end();
    await store.close();
  }
});
