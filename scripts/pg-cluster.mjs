// A throwaway PostgreSQL cluster for tests and benchmarks: Debian's `postgresql`
// package (initdb and pg_ctl from /usr/lib/postgresql/<major>/bin), a temp
// folder, a free port on 127.0.0.1, trust authentication for the `postgres`
// user over TCP from 127.0.0.1 only. initdb and postgres refuse to run as root,
// so when this process is root they run as the `postgres` system user through
// runuser. `stop()` ends the cluster (by its data folder's postmaster.pid, as
// pg_ctl does) and removes the folder; a process that exits without calling it
// still stops the cluster on 'exit'.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The newest installed server's bin folder, or undefined when PostgreSQL is not installed. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin/pg_ctl')));
  majors.sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? join(root, majors[0], 'bin') : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a new cluster. Options: `fsync` (default true: commits are durable as in
 * production; false for speed where a machine crash is not part of the test).
 * Resolves to { url(database?), port, dir, createDatabase(name), restart(mode), stop(), stopServer(mode), startServer() }.
 */
export async function startPostgres(options = {}) {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'aegislog-pg-'));
  const data = join(dir, 'data');
  const as = (cmd, args) => (root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args]);
  const run = (cmd, args) => {
    const [file, argv] = as(cmd, args);
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync']);
  // TCP on 127.0.0.1 only; the socket in the temp folder, never in /var/run.
  writeFileSync(join(data, 'pg_hba.conf'), 'host all postgres 127.0.0.1/32 trust\n');
  let port = 0;
  let running = false;
  const startServer = async () => {
    for (let attempt = 0; ; attempt++) {
      port ||= await freePort();
      const settings = [
        `-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'", `-c fsync=${options.fsync === false ? 'off' : 'on'}`,
        '-c max_connections=200', '-c shared_buffers=128MB',
      ].join(' ');
      try {
        run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
        running = true;
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        port = 0; // the port was taken meanwhile: another one
      }
    }
  };
  const stopServer = (mode = 'fast') => {
    if (!running) return;
    run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  const onExit = () => {
    try {
      stopServer('immediate');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  try {
    await startServer();
  } catch (error) {
    onExit();
    process.off('exit', onExit);
    throw error;
  }
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let created = 0;
  return {
    dir,
    get port() {
      return port;
    },
    url,
    /** A new empty database; its URL. */
    createDatabase(name = `t${++created}_${process.pid}`) {
      run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE "${name}"`]);
      return url(name);
    },
    /** Stops the server (`fast`: clean; `immediate`: as a crash, recovered from WAL at the next start). */
    stopServer,
    startServer,
    async restart(mode = 'fast') {
      stopServer(mode);
      await startServer();
    },
    async stop() {
      process.off('exit', onExit);
      onExit();
    },
  };
}
