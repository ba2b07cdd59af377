/**
 * What the newcomer tests share: an empty project folder with `aegislog` linked to
 * this repository (as `npm link` or a workspace leaves it: node_modules/aegislog is
 * a symlink, so its own imports resolve from the repository's node_modules), the
 * fenced blocks of a Markdown page by their marker, and shell lines run as a user
 * types them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export function requireBuild(): void {
  for (const file of ['dist/esm/index.js', 'dist/esm/server-node.js', 'dist/esm/cli.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
}

export interface Project {
  dir: string;
  write(path: string, content: string): string;
  /** node_modules/NAME → the repository's node_modules/NAME (or the repository itself for 'aegislog'). */
  link(...names: string[]): void;
  remove(): void;
}

export function emptyProject(prefix: string, packageJson: Record<string, unknown> = { name: 'app', version: '1.0.0', private: true }): Project {
  const dir = mkdtempSync(join(tmpdir(), `aegislog-${prefix}-`));
  const write = (path: string, content: string) => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return full;
  };
  write('package.json', `${JSON.stringify(packageJson, null, 2)}\n`);
  return {
    dir,
    write,
    link(...names) {
      for (const name of names) {
        const target = name === 'aegislog' ? ROOT : join(ROOT, 'node_modules', name);
        const at = join(dir, 'node_modules', name);
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(target, at);
        const bin = join(ROOT, 'node_modules/.bin', name);
        if (name !== 'aegislog' && existsSync(bin)) {
          mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
          symlinkSync(bin, join(dir, 'node_modules/.bin', name));
        }
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The fenced block that follows `<!-- MARKER -->` in a Markdown file of the repository. */
export function markedBlock(file: string, marker: string): { lang: string; code: string } {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const tag = `<!-- ${marker} -->\n`;
  const at = text.indexOf(tag);
  if (at < 0) throw new Error(`${file} has no <!-- ${marker} --> block`);
  const match = /^```(\w*)\n([\s\S]*?)\n```$/m.exec(text.slice(at + tag.length));
  if (!match) throw new Error(`${file}: no fenced block after <!-- ${marker} -->`);
  return { lang: match[1]!, code: match[2]! };
}

export interface Shell {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first match in stdout+stderr; rejects when the command ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs one command line with bash in `cwd`, as a user would type it. */
export function shell(line: string, cwd: string, env: Record<string, string> = {}): Shell {
  // A process group of its own, so that stop() reaches what the command started (npx runs its bin as a child).
  const child = spawn('bash', ['-c', line], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (data: Buffer) => {
    out += data.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => {
      for (const listener of listeners) listener();
      done({ code, signal });
    }),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    process: child,
    output: () => out,
    exited,
    waitFor: (pattern) =>
      new Promise((done, fail) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            listeners.delete(check);
            done(match);
          } else if (ended || child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            fail(new Error(`ended before ${pattern}:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function run(line: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const sh = shell(line, cwd, env);
  const { code } = await sh.exited;
  return { code, output: sh.output() };
}

/** Stops a command started with `shell`: SIGTERM to its process group (the command and what it started). */
export async function stop(sh: Shell): Promise<void> {
  if (sh.process.exitCode === null && sh.process.signalCode === null) {
    try {
      process.kill(-sh.process.pid!, 'SIGTERM');
    } catch {
      // the group is gone already
    }
  }
  await sh.exited;
}
