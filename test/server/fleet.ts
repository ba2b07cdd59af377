/**
 * A fleet of real `aegislog serve` processes (the CLI bundled from the sources)
 * on one throwaway PostgreSQL, for the serve and fault tests: keys made with
 * `aegislog keygen --origin`, a keys file with one ingest key per tenant and an
 * admin key, and helpers to start, kill and restart processes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiKeyConfig } from '../../src/server/node.js';
import { bundle, spawnNode, stopChild, type Child } from './child.js';

export const FLEET_ORIGIN = 'fleet.test.example/log';
export const ADMIN_KEY = 'admin-key-fleet-00000000001';
export const ingestKey = (tenant: string) => `ingest-key-${tenant}-000000000001`;

export interface FleetKeys {
  dir: string;
  keysFile: string;
  signingKey: string;
  noteKey: string;
  /** The log's vkeys as keygen printed them (what an auditor pins). */
  vkeys: string[];
  publicJwks: string;
}

/**
 * The CLI bundled once per test file: processes started together must not load
 * the file while another start rewrites it (a half-written bundle is a SyntaxError).
 */
let cli: Promise<string> | undefined;
const cliBundle = () => (cli ??= bundle('fixtures/cli.ts'));

/** Runs the bundled CLI once to the end. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawnNode(await cliBundle(), args, env);
  const { code } = await child.exited;
  return { code, output: child.output() };
}

export async function fleetKeys(dir: string, tenants: readonly string[]): Promise<FleetKeys> {
  const keys = join(dir, 'keys');
  const made = await runCli(['keygen', '--origin', FLEET_ORIGIN, '--out', keys]);
  if (made.code !== 0) throw new Error(`keygen failed:\n${made.output}`);
  const vkeys = made.output.split('\n').filter((l) => l.startsWith(`${FLEET_ORIGIN}+`));
  const config: ApiKeyConfig[] = [...tenants.map((t) => ({ key: ingestKey(t), tenant_id: t, scope: 'ingest' as const })), { key: ADMIN_KEY, tenant_id: '*', scope: 'admin' }];
  const keysFile = join(dir, 'api-keys.json');
  await writeFile(keysFile, JSON.stringify(config), { mode: 0o600 });
  return { dir: keys, keysFile, signingKey: join(keys, 'private.jwk.json'), noteKey: join(keys, 'note-signing-key'), vkeys, publicJwks: join(keys, 'public.jwks.json') };
}

export interface ServeProcess {
  child: Child;
  url: string;
}

/** The serve command line a test runs (docs/server.md shows the same). */
export function serveArgs(databaseUrl: string, keys: FleetKeys, extra: string[] = []): string[] {
  return [
    'serve', '--database-url', databaseUrl, '--signing-key', keys.signingKey, '--note-key', keys.noteKey,
    '--keys', keys.keysFile, '--origin', FLEET_ORIGIN, '--port', '0', '--rate-limit', '0', ...extra,
  ];
}

export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawnNode(await cliBundle(), args);
  try {
    const [, url] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
    return { child, url: url! };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
