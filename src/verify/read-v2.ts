/**
 * Readers for the version-2 parts of evidence (PROTOCOL.md §4.2, §6): tenant heads
 * with their predecessor, proofs cut to a tree size, log indexes and frontiers.
 * Like read.ts, each returns a well-typed value or throws `Invalid` naming the
 * field; the rules between fields belong to the checks that own them.
 */
import { tenantHeadOf, type TenantHead } from '../protocol/index.js';
import { Invalid, count, hash, hashValue, object, period, show, text } from './read.js';

export interface ReadHeadV2 {
  head: TenantHead;
  root: Uint8Array;
  start: number;
  end: number;
}

export function readHeadV2(value: unknown, name = 'tenant_head'): ReadHeadV2 {
  const h = object(value, name);
  if (h.v !== 2) throw new Invalid(`${name}.v is ${show(h.v)}, not 2`);
  text(h, 'tenant_id', name);
  const { start, end } = period(h, name);
  const size = count(h, 'tree_size', name);
  const root = hash(h, 'root_b64url', name);
  // The head's entries are [prev_tree_size, tree_size): a previous size above it names no period (as period() refuses an end before its start).
  const prevSize = count(h, 'prev_tree_size', name);
  if (prevSize > size) throw new Invalid(`${name}.prev_tree_size ${prevSize} is above its tree_size ${size}`);
  // §4.2: "A tenant whose log did not grow gets no head for that period": a head covers at least one entry.
  if (prevSize === size) throw new Invalid(`${name}.prev_tree_size ${prevSize} is not below its tree_size ${size}: a log that did not grow in a period gets no head`);
  if (h.prev_head_index !== null) count(h, 'prev_head_index', name);
  return { head: tenantHeadOf(h as unknown as TenantHead), root, start, end };
}

export interface ReadProofV2 {
  size: number;
  path: Uint8Array[];
}

/** `{"tree_size", "path_b64url": [...]}`: an RFC 9162 path cut to a tree size. */
export function readProofV2(value: unknown, name: string): ReadProofV2 {
  const p = object(value, name);
  const size = count(p, 'tree_size', name);
  return { size, path: readHashes(p.path_b64url, `${name}.path_b64url`) };
}

export function readHashes(value: unknown, name: string): Uint8Array[] {
  if (!Array.isArray(value)) throw new Invalid(`${name} is not an array`);
  // Index by index, not map(): map skips the holes of a sparse array (an API caller's), which would reach the hashing.
  return Array.from({ length: value.length }, (_, i) => hashValue(value[i], `${name}[${i}]`));
}

/** A log index or size given on its own (`leaf_index`, `head_index`). */
export function readIndex(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Invalid(`${name} is missing or not a non-negative integer`);
  return value;
}

/** A signed note as the wire carries it: text ending in a newline. */
export function readNoteText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new Invalid(`${name} is missing or not a string`);
  return value;
}

export function readOrigin(value: unknown, name = 'origin'): string {
  if (typeof value !== 'string' || value === '') throw new Invalid(`${name} is missing or not a string`);
  return value;
}
