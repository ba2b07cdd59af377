/**
 * The `key` of a `/beacon` body (`{"key","events":[...]}`), found without parsing the body:
 * `sendBeacon` sets no headers, so the key is in the body, and a bad key must be refused before
 * the body is checked and parsed (some 3 ms for 60 KiB), as the other ingest routes refuse it
 * before reading. Only the top-level object's members are walked; their values are skipped
 * byte by byte, building nothing.
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The client writes the key first: `{"key":"…"` at the very start, with plain ASCII and no escapes. */
const LEADING = /^[ \t\n\r]*\{[ \t\n\r]*"key"[ \t\n\r]*:[ \t\n\r]*"([\x20\x21\x23-\x5b\x5d-\x7e]*)"/;

/** The key when the body's first bytes are `{"key":"…"` (as the client writes it); else undefined. */
export function leadingKey(chunk: Uint8Array): string | undefined {
  // A key is short; 512 bytes hold it with room for spaces.
  const head = chunk.subarray(0, 512);
  return LEADING.exec(String.fromCharCode.apply(null, head as unknown as number[]))?.[1];
}

/**
 * The body's `key` as `JSON.parse` would see it (the last `key` member wins), found by walking the top-level
 * object: `{ key }` with `key` undefined when there is no string `key`; undefined when the body is no
 * object or is malformed at the top level (then only the parser can say what is wrong).
 */
export function topLevelKey(bytes: Uint8Array): { key: string | undefined } | undefined {
  // After a UTF-8 byte order mark, which the decoder drops before JSON.parse sees the body.
  let i = skipSpace(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (bytes[i] !== OPEN_OBJECT) return undefined;
  i = skipSpace(bytes, i + 1);
  let key: string | undefined;
  if (bytes[i] !== CLOSE_OBJECT) {
    for (;;) {
      if (bytes[i] !== QUOTE) return undefined;
      const nameEnd = stringEnd(bytes, i);
      if (nameEnd < 0) return undefined;
      // Only a short name can be `key`, escaped or not (`"\u006bey"`): longer ones are not decoded.
      const name = nameEnd - i <= 20 ? stringAt(bytes, i, nameEnd) : undefined;
      i = skipSpace(bytes, nameEnd);
      if (bytes[i] !== COLON) return undefined;
      const start = skipSpace(bytes, i + 1);
      const end = valueEnd(bytes, start);
      if (end < 0) return undefined;
      if (name === 'key') key = bytes[start] === QUOTE ? stringAt(bytes, start, end) : undefined;
      i = skipSpace(bytes, end);
      if (bytes[i] === CLOSE_OBJECT) break;
      if (bytes[i] !== COMMA) return undefined;
      i = skipSpace(bytes, i + 1);
    }
  }
  return skipSpace(bytes, i + 1) === bytes.length ? { key } : undefined;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (isSpace(bytes[i])) i++;
  return i;
}

/** From an opening quote: the index after its closing quote, or -1. */
function stringEnd(bytes: Uint8Array, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let run = 0;
    while (bytes[quote - 1 - run] === BACKSLASH) run++;
    if (run % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index after the value starting at `i` (objects and arrays skipped by counting brackets outside strings), or -1. */
function valueEnd(bytes: Uint8Array, i: number): number {
  const c = bytes[i];
  if (c === QUOTE) return stringEnd(bytes, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let j = i; j < bytes.length; j++) {
      const b = bytes[j]!;
      if (b === QUOTE) {
        j = stringEnd(bytes, j) - 1;
        if (j < 0) return -1;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0) return j + 1;
    }
    return -1;
  }
  let j = i;
  while (j < bytes.length && !isSpace(bytes[j]) && bytes[j] !== COMMA && bytes[j] !== CLOSE_OBJECT && bytes[j] !== CLOSE_ARRAY) j++;
  return j > i ? j : -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON string's value (escapes and UTF-8 decoded), or undefined when it is not a valid one. */
function stringAt(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return JSON.parse(utf8.decode(bytes.subarray(start, end))) as string;
  } catch {
    return undefined;
  }
}
