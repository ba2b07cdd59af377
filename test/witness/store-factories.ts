/** Every witness store, opened fresh or again by path: for the store contract tests. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterAll, beforeAll } from 'vitest';
import { durableObjectWitnessStore, memoryWitnessStore, witnessFileStore, witnessSqliteStore, type WitnessStore } from '../../src/witness/node.js';
import { fakeDurableObjectState } from './helpers.js';

export interface Factory {
  name: string;
  open(path?: string): Promise<{ store: WitnessStore; path: string }>;
  durable: boolean;
}

/** A temporary folder for the test file, made before its tests and removed after them: its path, once made. */
export function tempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), prefix))));
  afterAll(() => rm(dir!, { recursive: true, force: true }));
  return () => dir!;
}

/** `dir()`: the test's temporary folder, read when a store is opened (describe blocks are declared before beforeAll makes it). */
export function storeFactories(dir: () => string): Factory[] {
  let counter = 0;
  const objects = new Map<string, Map<string, unknown>>();
  return [
    { name: 'memory', durable: false, open: async () => ({ store: memoryWitnessStore(), path: '' }) },
    {
      name: 'sqlite', durable: true,
      open: async (path = join(dir(), `w${counter++}.sqlite`)) => ({ store: await witnessSqliteStore(path, { synchronous: 'normal' }), path }),
    },
    {
      name: 'file', durable: true,
      open: async (path = join(dir(), `f${counter++}`)) => {
        await mkdir(path, { recursive: true });
        return { store: await witnessFileStore(path), path };
      },
    },
    {
      // miniflare's real storage runs in test/edge/witness-worker-example.test.ts; this one reopens by path, and
      // checks Cloudflare's 128 KiB per value, which local workerd does not.
      name: 'durable object', durable: true,
      open: async (path = `do${counter++}`) => {
        const data = objects.get(path) ?? new Map<string, unknown>();
        objects.set(path, data);
        return { store: durableObjectWitnessStore(fakeDurableObjectState(data, { valueBytes: (v) => serialize(v).byteLength })), path };
      },
    },
  ];
}
