// Sorts whatever the auditor drops or pastes into the evidence kinds of
// PROTOCOL.md: bundles (v2 §6.1 and v1), v2 period exports (§6.2, kept as a
// file or blob and streamed when audited, never read whole), v2 checkpoint
// histories (§6.3), and the v1 kinds: receipts of a v1 export, checkpoints,
// proven tenant heads (GET /head).
import { DuplicateNameError, parseStrictJson } from '../../src/protocol/duplicate-names.js';
import { firstInvalidUtf8 } from '../../src/protocol/utf8.js';
import type { CheckpointHistory, CheckpointV1, EvidenceBundle, EvidenceBundleV1, InclusionProofV1, Receipt, TenantHeadV1 } from '../../src/protocol/index.js';

/** A v1 tenant head with its proof up to the signed checkpoint, as GET /head answered (a bare head proves nothing). */
export interface HeadProof {
  tenant_head: TenantHeadV1;
  tenant_inclusion: InclusionProofV1;
  checkpoint: CheckpointV1;
}

/** A v2 export: its header as read, and the whole file to stream. */
export interface ExportFile {
  header: Record<string, unknown>;
  blob: Blob;
  size: number;
  /** The file (or paste) it came from: results name it, so that two exports of one period are told apart. */
  source: string;
}

export type EvidenceItem =
  | { kind: 'bundle'; value: EvidenceBundle | EvidenceBundleV1; source: string }
  | { kind: 'export'; value: ExportFile; source: string }
  | { kind: 'history'; value: CheckpointHistory; source: string }
  | { kind: 'receipt'; value: Receipt; source: string }
  | { kind: 'checkpoint'; value: CheckpointV1; source: string }
  | { kind: 'head'; value: HeadProof; source: string };

export interface ParseResult {
  items: EvidenceItem[];
  /** One line per value that is not evidence, naming where it came from. */
  problems: string[];
}

/** Bytes read to tell a v2 export (its header line) from everything else. */
const PEEK = 1 << 20;

/** A dropped or chosen file: a v2 export is kept as the file; anything else is read as text. */
export async function parseEvidenceFile(file: Blob, source: string): Promise<ParseResult> {
  const head = await file.slice(0, Math.min(file.size, PEEK)).text();
  const header = exportHeader(head);
  if (header) return { items: [{ kind: 'export', value: { header, blob: file, size: file.size, source }, source }], problems: [] };
  // Strictly UTF-8, as `aegislog verify` and `history` read a file: text read with U+FFFD for a bad byte is
  // another text than the file holds (an event whose string held U+FFFD, its bytes replaced by 0xFF, passed).
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text: string;
  try {
    // The BOM is kept here and dropped by parseEvidenceText, which a paste goes through too: one at the start, no more.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { items: [], problems: [notUtf8(source, bytes)] };
  }
  return parseEvidenceText(text, source);
}

/**
 * Why `bytes`, read from byte offset `from` of `source` where `linesBefore` lines had ended, are not UTF-8:
 * the line and byte offset of the first bad sequence, in the words of the CLI.
 */
export function notUtf8(source: string, bytes: Uint8Array, from = 0, linesBefore = 0): string {
  const at = firstInvalidUtf8(bytes);
  let line = linesBefore + 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) line++;
  return `${source} is not UTF-8: an invalid byte sequence at line ${line}, byte offset ${from + at} (convert the file to UTF-8, e.g. with iconv)`;
}

/** Reads one file's or one paste's text: a JSON value (object or array), NDJSON, or a v2 export. */
export function parseEvidenceText(text: string, source: string): ParseResult {
  const result: ParseResult = { items: [], problems: [] };
  // As `aegislog verify` reads a file: one byte order mark at the start (RFC 8259 §8.1), then JSON's whitespace only
  // (RFC 8259 §2). String.prototype.trim also drops a second BOM or a no-break space, which the CLI refuses as not JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = trimJson(text);
  if (trimmed === '') {
    result.problems.push(`${source}: empty`);
    return result;
  }
  const header = exportHeader(trimmed);
  if (header) {
    const blob = new Blob([trimmed]);
    result.items.push({ kind: 'export', value: { header, blob, size: blob.size, source }, source });
    return result;
  }
  let whole: unknown;
  let wholeError: unknown;
  try {
    whole = parseStrictJson(trimmed);
  } catch (error) {
    // JSON, but with a member name twice: JSON.parse would check its last value, other readers see the first.
    if (error instanceof DuplicateNameError) {
      result.problems.push(`${source}: ${error.message}`);
      return result;
    }
    wholeError = error;
  }
  if (wholeError === undefined) {
    collect(whole, source, result);
    return refusedIfAnyProblem(result);
  }
  // NDJSON, read as `aegislog verify` and `audit` read it: a file with a line that is not JSON is refused whole
  // (exit 2), never read without that line. When its first line is not JSON either, it is one JSON document (an
  // indented bundle or history) with a syntax error: the parser's own message says where ("… at position 812 (line 30 column 5)").
  const lines = text.split('\n');
  const first = lines.findIndex((line) => !isBlank(line));
  const values: [unknown, string][] = [];
  for (const [index, line] of lines.entries()) {
    if (isBlank(line)) continue;
    const where = `${source} line ${index + 1}`;
    try {
      values.push([parseStrictJson(line), where]);
    } catch (error) {
      // A member name twice refuses the file as well, as `aegislog verify` refuses it (exit 2).
      if (error instanceof DuplicateNameError) return { items: [], problems: [`${where}: ${error.message}`] };
      const why = index === first ? `${source}: not JSON: ${(wholeError as Error).message}` : `${where}: not JSON: ${(error as Error).message}`;
      return { items: [], problems: [why] };
    }
  }
  for (const [value, where] of values) collect(value, where, result);
  return refusedIfAnyProblem(result);
}

/**
 * A file with a value that is no evidence (a line or an array entry replaced by another object, or by null) is not
 * loaded: `aegislog verify` fails that value (exit 1), and the others read alone as a file that verified.
 */
function refusedIfAnyProblem(result: ParseResult): ParseResult {
  return result.problems.length ? { items: [], problems: result.problems } : result;
}

/** The header of a v2 export when the text starts with one. */
function exportHeader(raw: string): Record<string, unknown> | undefined {
  // Leading blank lines come before the header in some files (a BOM was dropped before: Blob.text() drops one too).
  const text = trimJson(raw, false);
  const end = text.indexOf('\n');
  try {
    const first = JSON.parse(end < 0 ? text : text.slice(0, end));
    return isObject(first) && first.kind === 'aegislog-export' ? first : undefined;
  } catch {
    return undefined;
  }
}

/** JSON's whitespace (RFC 8259 §2): space, tab, line feed, carriage return. */
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** `text` without JSON's whitespace at its start and (`end`) its end, as `aegislog verify` trims it (a run of blanks costs its length). */
function trimJson(text: string, end = true): string {
  let from = 0;
  let to = text.length;
  while (from < to && isJsonSpace(text.charCodeAt(from))) from++;
  while (end && to > from && isJsonSpace(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** A line the CLI skips in NDJSON: JSON's whitespace only (its `\n` already cut). */
function isBlank(line: string): boolean {
  return trimJson(line) === '';
}

function collect(value: unknown, source: string, out: ParseResult): void {
  if (Array.isArray(value)) {
    value.forEach((entry, index) => collect(entry, `${source} [${index}]`, out));
    return;
  }
  if (!isObject(value)) {
    out.problems.push(`${source}: not an object`);
    return;
  }
  // A v2 history is itself an item; v1 wrappers ({"checkpoints":[...]}, {"receipts":[...]}, {"bundles":[...]}) are unwrapped.
  if (value.v === 2 && Array.isArray(value.checkpoints)) {
    out.items.push({ kind: 'history', value: value as unknown as CheckpointHistory, source });
    return;
  }
  for (const key of ['checkpoints', 'receipts', 'bundles'] as const) {
    if (Array.isArray(value[key]) && !('v' in value)) {
      collect(value[key], `${source} ${key}`, out);
      return;
    }
  }
  const kind = classify(value);
  if (kind) out.items.push({ kind, value, source } as unknown as EvidenceItem);
  else out.problems.push(`${source}: not an evidence bundle, export, checkpoint history, receipt, checkpoint or proven tenant head`);
}

function classify(value: Record<string, unknown>): EvidenceItem['kind'] | undefined {
  if (isObject(value.event) && isObject(value.receipt)) return 'bundle';
  if (typeof value.log_id === 'string' && 'prev_b64url' in value) return 'checkpoint';
  if (typeof value.digest_b64url === 'string' && typeof value.signature_b64url === 'string') return 'receipt';
  if (isObject(value.tenant_head) && isObject(value.tenant_inclusion) && isObject(value.checkpoint)) return 'head';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The identity an item claims (one event's bundle, one period's export, …). Two different
 * files with one identity are both kept: their disagreement is itself evidence of tampering.
 */
export function identityOf(item: EvidenceItem): string {
  switch (item.kind) {
    case 'bundle':
      return `bundle ${String(item.value.receipt?.tenant_id)}/${String(item.value.receipt?.event_id)} (${String(item.value.status)})`;
    case 'export': {
      const head = item.value.header.tenant_head as { tenant_id?: unknown; period_start?: unknown } | null;
      return `export ${String(head?.tenant_id ?? 'open')}/${String(head?.period_start ?? item.source)}`;
    }
    case 'history':
      return `history ${String(item.value.origin)}, ${item.value.checkpoints.length} checkpoints to size ${String((item.value.checkpoints.at(-1) as { tree_size?: unknown } | null | undefined)?.tree_size)}`;
    case 'receipt':
      return `receipt ${String(item.value.tenant_id)}/${String(item.value.event_id)}`;
    case 'checkpoint':
      return `checkpoint ${String(item.value.log_id)}/${String(item.value.period_start)}`;
    case 'head':
      return `head ${String(item.value.tenant_head.tenant_id)}/${String(item.value.tenant_head.period_start)}`;
  }
}

/** The item's content: equal keys are the same evidence loaded twice (an export's key also needs sameBytes). */
export function contentKey(item: EvidenceItem): string {
  if (item.kind === 'export') return `export ${item.value.size} ${JSON.stringify(item.value.header)}`;
  return `${item.kind} ${JSON.stringify(item.value)}`;
}

/** Whether two blobs hold the same bytes, read a slice at a time (an export may not fit in memory). */
export async function sameBytes(a: Blob, b: Blob): Promise<boolean> {
  if (a.size !== b.size) return false;
  for (let at = 0; at < a.size; at += PEEK) {
    const [x, y] = await Promise.all([a.slice(at, at + PEEK).arrayBuffer(), b.slice(at, at + PEEK).arrayBuffer()]);
    const u = new Uint8Array(x);
    const v = new Uint8Array(y);
    for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  }
  return true;
}
