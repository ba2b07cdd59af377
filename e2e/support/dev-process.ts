// The built `aegislog dev` (bin/aegislog.mjs) as a child process on a free port, as `npm start` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './static-server.js';

export const BIN = join(ROOT, 'bin', 'aegislog.mjs');

export interface DevProcess {
  child: ChildProcess;
  /** Where it listens: `http://127.0.0.1:PORT`. */
  url: string;
  /** What it printed up to the end of its banner (the last line names the admin key). */
  banner: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts it on `dataDir` and resolves once the whole banner is out. Not bounded by a
 * timer: a start that fails exits (rejected with its output), one that hangs is ended
 * by the test's own timeout.
 */
export async function startDev(dataDir: string): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const banner = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/admin +key: \S+/.test(output)) resolve(output);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`aegislog dev exited with ${code}:\n${output}`)));
  });
  const url = /listening on (http:\/\/\S+)/.exec(banner)![1]!;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, url, banner, stop };
}
