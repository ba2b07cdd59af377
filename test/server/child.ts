import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
/** Inside node_modules so that the bundle resolves better-sqlite3 from the repository; one folder per test file, removed after it. */
const OUT = join(ROOT, 'node_modules/.cache/aegislog-server-test', `${process.pid}-${Math.random().toString(36).slice(2)}`);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

/**
 * Bundles a fixture from the current sources for a child process (the tests
 * must not depend on a stale dist/). Native and optional packages stay external.
 */
export async function bundle(entry: string): Promise<string> {
  await mkdir(OUT, { recursive: true });
  const outfile = join(OUT, `${basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', '@aws-sdk/*', 'pg'],
    logLevel: 'error',
  });
  return outfile;
}

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first stdout match, or rejects when the child exits or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(file: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (data: Buffer) => {
    out += data.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      done({ code, signal });
    }),
  );
  return {
    process: child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((done, fail) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; output:\n${out}`)), timeoutMs);
        const check = () => {
          const match = out.match(pattern);
          if (match) return finish(undefined, match);
          if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`child exited before ${pattern}; output:\n${out}`));
        };
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) fail(error);
          else done(match!);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Ends a child this test started (by its own pid) and waits for it. */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  await child.exited;
}
