/**
 * Member names given twice in one JSON object. JSON.parse keeps the last value;
 * a reader that keeps the first, or refuses the text (serde for structs, Go's
 * strict decoders), or a person reading the file, sees another value: evidence
 * with `"digest_b64url":"AAAA", …, "digest_b64url":"<real>"` would pass here and
 * say something else elsewhere. RFC 8785 (JCS, PROTOCOL.md §1) takes I-JSON
 * (RFC 7493), which forbids a name twice, and the server writes canonical JSON:
 * a text with one was crafted or corrupted, and the verifier refuses it.
 */

/** Where a member name is given twice: the object (a JSONPath from `$`, the whole text) and the name, unescaped. */
export interface DuplicateName {
  path: string;
  name: string;
}

/** The reason a check or the CLI gives for `found`, naming the object and the member. */
export function duplicateNameReason(found: DuplicateName): string {
  return `${found.path} has the member ${JSON.stringify(found.name)} twice: a JSON object with a duplicate name is not I-JSON (RFC 7493 §2.3), and readers disagree on its value`;
}

/** One open object or array on the way down, with what the path needs of it. Reused from depth to depth. */
interface Frame {
  object: boolean;
  /** In an object: the next string is a member name (after `{` or `,`). */
  expectName: boolean;
  /** In an object: the names seen so far, in a list while few (a Set costs more than the search), then a Set too. */
  names: string[];
  many: Set<string> | undefined;
  /** In an object: the member being read; in an array: the index of the element being read. */
  name: string;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Members an object may have before its names are also kept in a Set: a linear search stays cheap below it. */
const FEW = 16;

/**
 * The first member name given twice in an object of the JSON `text`, at any depth, or undefined.
 * Names are compared as JSON.parse reads them (`"a"` and `"\u0061"` are one name); the same name in
 * two objects is no duplicate. One linear pass, no recursion (so any depth), strings skipped with
 * `indexOf`; meant for a text JSON.parse accepts, and on one it does not it ends without throwing,
 * its answer then meaningless.
 */
export function findDuplicateName(text: string): DuplicateName | undefined {
  const frames: Frame[] = [];
  let depth = 0;
  let top: Frame | undefined;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (top !== undefined && top.expectName) {
        let name = text.slice(i + 1, end - 1);
        if (name.includes('\\')) name = unescape(text.slice(i, end));
        if (seen(top, name)) return { path: pathOf(frames, depth), name };
        top.name = name;
        top.expectName = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      top = frames[depth] ?? (frames[depth] = { object: false, expectName: false, names: [], many: undefined, name: '', index: 0 });
      depth++;
      top.object = c === 0x7b;
      top.expectName = top.object;
      top.names.length = 0;
      top.many = undefined;
      top.index = 0;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
      top = depth > 0 ? frames[depth - 1] : undefined;
    } else if (c === 0x2c && top !== undefined) {
      if (top.object) top.expectName = true;
      else top.index++;
    }
    i++;
  }
  return undefined;
}

/** Whether the object already has `name`; if not, adds it. */
function seen(frame: Frame, name: string): boolean {
  if (frame.many !== undefined) {
    if (frame.many.has(name)) return true;
    frame.many.add(name);
    return false;
  }
  if (frame.names.includes(name)) return true;
  frame.names.push(name);
  if (frame.names.length > FEW) frame.many = new Set(frame.names);
  return false;
}

/** The offset after the string token that opens at `i` (the text's end when it never closes). */
function stringEnd(text: string, i: number): number {
  let q = i;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q < 0) return text.length;
    // Escaped only by an odd run of backslashes before it (`\\"` ends the string).
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
  }
}

/** A name token with escapes, as JSON.parse reads it; as written when it is not valid JSON. */
function unescape(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return token;
  }
}

/** The JSONPath of the innermost open object (frame `depth - 1`): each frame below it gives its member or index. */
function pathOf(frames: readonly Frame[], depth: number): string {
  let path = '$';
  for (let k = 0; k < depth - 1; k++) {
    const f = frames[k]!;
    path += f.object ? (/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) ? `.${f.name}` : `[${JSON.stringify(f.name)}]`) : `[${f.index}]`;
  }
  return path;
}

/**
 * JSON.parse, refusing a text with a member name twice: throws `DuplicateNameError` naming it.
 * Parses first, so a text that is not JSON throws JSON.parse's SyntaxError, as before.
 */
export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // Only an object can hold a name twice: a scalar line (a number, a string) needs no scan.
  if (typeof value === 'object' && value !== null) {
    const found = findDuplicateName(text);
    if (found) throw new DuplicateNameError(found);
  }
  return value;
}

/**
 * A text that is JSON but not I-JSON: a member name twice (see `findDuplicateName`). A problem with the
 * evidence, which each caller words as its own (a check's reason, a refused line, the CLI's exit 2).
 * Its own class, not read.ts's `Invalid`: this file imports nothing, so the light bundles (the gap
 * counter) that use it stay light.
 */
export class DuplicateNameError extends Error {
  constructor(readonly found: DuplicateName) {
    super(duplicateNameReason(found));
  }
}
