import { open } from 'node:fs/promises';
import { InputError } from './run-checked.js';

/** A heads line at most (a real one is a few hundred bytes): a line without end is not read on. */
export const HEAD_LINE_BYTES = 1024 * 1024;

/** What the mirror reads of a head line: where it is in the root log, and the tenant log's size it names. */
export interface MirroredHead {
  headIndex: number;
  treeSize: number;
}

/**
 * Copies a tenant's heads answer (GET /logs/<ID>/heads, NDJSON) into `file` line by line, keeping
 * those in a root log of `rootSize` heads: one sealed after the mirrored history waits for the next
 * run. A heads file may hold hundreds of thousands of lines, more than one string can, so it is never
 * read whole; each line must be a tenant head, else `path` and the line are named (a proxy's error
 * page, another service, a hostile host).
 */
export async function copyHeads(body: ReadableStream<Uint8Array> | null, path: string, rootSize: number, file: string): Promise<MirroredHead[]> {
  const heads: MirroredHead[] = [];
  const output = await open(file, 'w');
  const reader = body?.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let line = 0;
  const take = (text: string): string => {
    const kept: string[] = [];
    for (const raw of text.split('\n')) {
      line++;
      if (raw === '') continue;
      const head = readHead(raw, path, line);
      if (head.headIndex < rootSize) heads.push(head), kept.push(`${raw}\n`);
    }
    return kept.join('');
  };
  try {
    for (;;) {
      const next = reader ? await reader.read() : { done: true as const };
      let text: string;
      try {
        text = pending + decoder.decode(next.done ? undefined : next.value, { stream: !next.done });
      } catch {
        throw new InputError(`${path} line ${line + 1} is not UTF-8`);
      }
      const end = next.done ? text.length : text.lastIndexOf('\n') + 1;
      pending = text.slice(end);
      if (pending.length > HEAD_LINE_BYTES) throw new InputError(`${path} line ${line + 1} has more than ${HEAD_LINE_BYTES} bytes`);
      if (end > 0) await output.write(take(text.slice(0, end).replace(/\n$/, '')));
      if (next.done) break;
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    throw error;
  } finally {
    await output.close();
  }
  return heads;
}

function readHead(raw: string, path: string, line: number): MirroredHead {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InputError(`${path} line ${line} is not JSON`);
  }
  const { tenant_head: head, head_index: headIndex } = (value ?? {}) as { tenant_head?: { tree_size?: unknown } | null; head_index?: unknown };
  const treeSize = typeof head === 'object' && head !== null ? head.tree_size : undefined;
  if (!isCount(headIndex) || !isCount(treeSize)) throw new InputError(`${path} line ${line} is not a tenant head ({"tenant_head": {…, "tree_size": N}, "head_index": N})`);
  return { headIndex, treeSize };
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
