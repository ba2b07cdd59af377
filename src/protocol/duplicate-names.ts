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
  // The open values, outermost first: -1 for an object, an array's element index otherwise. Only
  // numbers, so that a line of millions of nested arrays costs a few bytes a level, not an object.
  const open: number[] = [];
  // Per open object (outermost first): its names, in a list while few (a Set costs more than the
  // search below FEW), then in a Set too; and the member being read, for the path. Lists are reused.
  const names: string[][] = [];
  const many: (Set<string> | undefined)[] = [];
  const current: string[] = [];
  let depth = 0;
  let objects = 0;
  /** In an object, after `{` or `,`: the next string is a member name. */
  let expectName = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectName) {
        let name = text.slice(i + 1, end - 1);
        if (name.includes('\\')) name = unescape(text.slice(i, end));
        const o = objects - 1;
        if (seen(names[o]!, many, o, name)) return { path: pathOf(open, current, depth), name };
        current[o] = name;
        expectName = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b) {
      open[depth++] = -1;
      if (names[objects] === undefined) names[objects] = [];
      else names[objects]!.length = 0;
      many[objects] = undefined;
      current[objects] = '';
      objects++;
      expectName = true;
    } else if (c === 0x5b) {
      open[depth++] = 0;
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0 && open[--depth] === -1) objects--;
      expectName = false;
    } else if (c === 0x2c && depth > 0) {
      if (open[depth - 1] === -1) expectName = true;
      else open[depth - 1]!++;
    }
    i++;
  }
  return undefined;
}

/** Whether the `o`-th open object already has `name`; if not, adds it. */
function seen(list: string[], many: (Set<string> | undefined)[], o: number, name: string): boolean {
  const set = many[o];
  if (set !== undefined) {
    if (set.has(name)) return true;
    set.add(name);
    return false;
  }
  if (list.includes(name)) return true;
  list.push(name);
  if (list.length > FEW) many[o] = new Set(list);
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

/** The JSONPath of the innermost open object (the last of `open`): each open value around it gives its member or index. */
function pathOf(open: readonly number[], current: readonly string[], depth: number): string {
  let path = '$';
  let o = 0;
  for (let k = 0; k < depth - 1; k++) {
    if (open[k] !== -1) {
      path += `[${open[k]}]`;
      continue;
    }
    const name = current[o++]!;
    path += /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
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
