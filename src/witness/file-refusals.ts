/**
 * The file store's `refusals.ndjson`, one refusal a line, appended and
 * fsynced, never rewritten. Not held in memory: a witness keeps up to 3,000
 * refusals per log, for every log it ever witnessed, each with a note or two
 * (an ML-DSA-44 cosignature line alone is 3 KiB), and read whole at each
 * start that came to several times the file in memory (and past 512 MiB, a
 * string V8 cannot make). So the file is read line by line at start, and per
 * origin only where each line is and how many of each kind it keeps; a page
 * reads its lines from the file, and the identities that keep a refusal once
 * are read for an origin only when a refusal of it comes (store.ts's bounds).
 */
import { createHash } from 'node:crypto';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { b64Decode, b64Encode } from '../protocol/index.js';
import { MAX_REFUSALS_KEPT, MAX_REFUSALS_PER_ORIGIN, refusalIdentity, type Refusal, type RefusalKind } from './store.js';

/** Where an origin's refusals are in the file, and what decides whether the next one is kept. */
interface OriginLines {
  /** Byte offset and length (newline excluded) of each line, oldest first. */
  at: number[];
  length: number[];
  counts: Map<RefusalKind, number>;
  /** Digests of the kept identities: read from the file on the first refusal of the origin since start. */
  seen?: Set<string>;
}

const CHUNK = 1 << 20;
/** Kept refusals read at a time for their identities. */
const IDENTITIES_BATCH = 16;

export class RefusalsFile {
  private constructor(
    private readonly path: string,
    private readonly origins: Map<string, OriginLines>,
    /** The file's size: where the next line goes (one process appends, file-lock.ts). */
    private end: number,
  ) {}

  /**
   * Reads the file line by line. A last line without its newline that does not
   * parse is an append torn by a crash: it is cut off, so the next append starts
   * on a line of its own. Damage anywhere else throws, the file untouched, for a
   * person to look at. No file: none kept.
   */
  static async open(path: string): Promise<RefusalsFile> {
    const origins = new Map<string, OriginLines>();
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new RefusalsFile(path, origins, 0);
      throw error;
    }
    let size: number;
    let tail: { at: number; text: string } | undefined;
    try {
      size = (await file.stat()).size;
      // `pending` holds the bytes from `pendingAt` on that are not yet a whole line.
      let pending = Buffer.alloc(0);
      let pendingAt = 0;
      for (let position = 0; position < size; ) {
        const chunk = Buffer.alloc(Math.min(CHUNK, size - position));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break; // cut short since the stat: what is there is read
        position += bytesRead;
        const bytes = pending.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
        let start = 0;
        for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
          if (nl > start) note(origins, refusalOf(bytes.toString('utf8', start, nl)), pendingAt + start, nl - start);
          start = nl + 1;
        }
        pending = Buffer.from(bytes.subarray(start)); // a copy: the chunk goes
        pendingAt += start;
      }
      size = pendingAt + pending.length;
      if (pending.length > 0) tail = { at: pendingAt, text: pending.toString('utf8') };
    } finally {
      await file.close();
    }
    if (tail) {
      const whole = parses(tail.text);
      if (whole === undefined) {
        await truncate(path, tail.at);
        size = tail.at;
      } else {
        // A whole line that lost only its newline.
        note(origins, whole, tail.at, Buffer.byteLength(tail.text));
        const handle = await open(path, 'a');
        try {
          await handle.writeFile('\n');
        } finally {
          await handle.close();
        }
        size += 1;
      }
    }
    return new RefusalsFile(path, origins, size);
  }

  /** Whether `r` is to be kept under store.ts's bounds; the first refusal of an origin since start reads its identities. */
  async admits(r: Refusal): Promise<boolean> {
    const lines = this.origins.get(r.origin);
    if (!lines) return true;
    if ((lines.counts.get(r.kind) ?? 0) >= MAX_REFUSALS_PER_ORIGIN) return false;
    if (!lines.seen) {
      // A few at a time: each may hold two notes of a million characters, and a log keeps up to 3,000.
      const seen = new Set<string>();
      for (let i = 0; i < lines.at.length; i += IDENTITIES_BATCH) {
        for (const k of await this.read(lines, i, Math.min(lines.at.length, i + IDENTITIES_BATCH))) seen.add(digest(refusalIdentity(k)));
      }
      lines.seen = seen;
    }
    return !lines.seen.has(digest(refusalIdentity(r)));
  }

  /** Appends `r` and fsyncs; counted once it is on disk. */
  async append(r: Refusal): Promise<void> {
    const line = Buffer.from(`${JSON.stringify({ ...r, cosigned: { ...r.cosigned, root: b64Encode(r.cosigned.root) } })}\n`);
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.writeFile(line);
      await file.sync();
    } catch (error) {
      // Part of the line may be written (a full disk): cut back, or every later line would be found off its place.
      await truncate(this.path, this.end).catch(() => undefined);
      throw error;
    } finally {
      await file.close();
    }
    const lines = note(this.origins, r, this.end, line.length - 1);
    lines.seen?.add(digest(refusalIdentity(r)));
    this.end += line.length;
  }

  /** `WitnessStore.refusals`: the origin's kept refusals from the `after`th, at most `limit`. */
  async page(origin: string, limit = MAX_REFUSALS_KEPT, after = 0): Promise<Refusal[]> {
    const lines = this.origins.get(origin);
    return lines ? this.read(lines, after, Math.min(lines.at.length, after + limit)) : [];
  }

  /** Lines `from` to `to` (exclusive) of `lines`, read from the file; lines next to each other in one read. */
  private async read(lines: OriginLines, from: number, to: number): Promise<Refusal[]> {
    if (from >= to) return [];
    const out: Refusal[] = [];
    const file = await open(this.path, 'r');
    try {
      for (let i = from; i < to; ) {
        let j = i + 1;
        let bytes = lines.length[i]! + 1;
        // Lines appended one after another (most of a log's, when it is the only one refused): one read.
        while (j < to && lines.at[j] === lines.at[i]! + bytes && bytes + lines.length[j]! + 1 <= CHUNK) bytes += lines.length[j++]! + 1;
        const buffer = Buffer.alloc(bytes);
        await file.read(buffer, 0, bytes, lines.at[i]!);
        for (let k = i, start = 0; k < j; start += lines.length[k++]! + 1) {
          const r = JSON.parse(buffer.toString('utf8', start, start + lines.length[k]!)) as Refusal & { cosigned: { root: string } };
          out.push({ ...r, cosigned: { ...r.cosigned, root: b64Decode(r.cosigned.root) } });
        }
        i = j;
      }
    } finally {
      await file.close();
    }
    return out;
  }
}

/** Counts the line of `r` at `at` under its origin (what an older version kept beyond today's bounds stays). */
function note(origins: Map<string, OriginLines>, r: Refusal, at: number, length: number): OriginLines {
  let lines = origins.get(r.origin);
  if (!lines) origins.set(r.origin, (lines = { at: [], length: [], counts: new Map() }));
  lines.at.push(at);
  lines.length.push(length);
  lines.counts.set(r.kind, (lines.counts.get(r.kind) ?? 0) + 1);
  return lines;
}

/** An identity as held: its SHA-256, not the checkpoint text it holds. */
function digest(identity: string): string {
  return createHash('sha256').update(identity).digest('base64');
}

/** A line's refusal, as far as the index needs it; throws for a line that is none. */
function refusalOf(line: string): Refusal {
  const r = JSON.parse(line) as Partial<Refusal> | null;
  if (typeof r?.origin !== 'string' || typeof r.kind !== 'string' || typeof r.cosigned?.root !== 'string') throw new Error(`not a refusal: ${line.slice(0, 80)}`);
  return r as Refusal;
}

function parses(line: string): Refusal | undefined {
  try {
    return refusalOf(line);
  } catch {
    return undefined;
  }
}
