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

/** One open object or array on the way down, with what the path needs of it. */
interface Frame {
  /** The names seen so far in an object; undefined in an array. */
  names: Set<string> | undefined;
  /** In an object: the next string is a member name (after `{` or `,`). */
  expectName: boolean;
  /** In an object: the member being read; in an array: the index of the element being read. */
  name: string;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first member name given twice in an object of the JSON `text`, at any depth, or undefined.
 * Names are compared as JSON.parse reads them (`"a"` and `"\u0061"` are one name); the same name in
 * two objects is no duplicate. One linear pass, no recursion (so any depth); meant for a text
 * JSON.parse accepts, and on one it does not it ends without throwing, its answer then meaningless.
 */
export function findDuplicateName(text: string): DuplicateName | undefined {
  const frames: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = frames[frames.length - 1];
      if (top?.names && top.expectName) {
        const raw = text.slice(i + 1, end - 1);
        const name = raw.includes('\\') ? unescape(text.slice(i, end)) : raw;
        if (top.names.has(name)) return { path: pathOf(frames), name };
        top.names.add(name);
        top.name = name;
        top.expectName = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b) frames.push({ names: new Set(), expectName: true, name: '', index: 0 });
    else if (c === 0x5b) frames.push({ names: undefined, expectName: false, name: '', index: 0 });
    else if (c === 0x7d || c === 0x5d) frames.pop();
    else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top?.names) top.expectName = true;
      else if (top) top.index++;
    }
    i++;
  }
  return undefined;
}

/** The offset after the string token that opens at `i` (the text's end when it never closes). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) j++;
  }
  return text.length;
}

/** A name token with escapes, as JSON.parse reads it; as written when it is not valid JSON. */
function unescape(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return token;
  }
}

/** The JSONPath of the innermost open object (the last frame): each frame above it gives its member or index. */
function pathOf(frames: readonly Frame[]): string {
  let path = '$';
  for (let k = 0; k < frames.length - 1; k++) {
    const f = frames[k]!;
    path += f.names ? (/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) ? `.${f.name}` : `[${JSON.stringify(f.name)}]`) : `[${f.index}]`;
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
