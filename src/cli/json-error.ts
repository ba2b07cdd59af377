/**
 * Says where a text stops being JSON, in the CLI's own words. V8's messages
 * quote an excerpt cut at a fixed length, often mid-word and mid-quote
 * (`Unexpected token 'g', "garbage, n"... is not valid JSON`), and name no
 * line: a checkpoints file is long, and a user needs to find the spot.
 */
export function jsonSyntaxReason(text: string, error: unknown): string {
  const at = syntaxErrorAt(text);
  if (at < 0) return v8Reason(error); // JSON.parse failed where this scanner did not: keep its reason
  const what = at >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[at])}`;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const line = text.slice(0, lineStart).split('\n').length;
  const column = at - lineStart + 1;
  const where = text.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
  const from = Math.max(lineStart, at - 24);
  let to = Math.min(lineEnd, at + 40);
  if (to < lineEnd && text.lastIndexOf(' ', to) > at + 8) to = text.lastIndexOf(' ', to); // cut between words
  const excerpt = `${from > lineStart ? '…' : ''}${text.slice(from, to).replace(/\s+$/, '')}${to < lineEnd ? '…' : ''}`;
  return excerpt === '' ? `${what} at ${where}` : `${what} at ${where}: ${excerpt}`;
}

/** V8's reason without its cut excerpt. */
function v8Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*" is not valid JSON$/s, '').replace(/, ".*"\.\.\. is not valid JSON$/s, '');
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first character that breaks RFC 8259 grammar (text.length: it ends too early), or -1 if none does. */
function syntaxErrorAt(text: string): number {
  let i = 0;
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) throw i;
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < ' ') throw i;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw i;
          i += 6;
          continue;
        }
        if (e === undefined || !ESCAPES.has(e)) throw i + 1;
        i += 2;
        continue;
      }
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 4096) throw i; // deeper than any document this CLI reads
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skip();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          skip();
          if (text[i] !== '"') throw i;
          string();
          skip();
          if (text[i] !== ':') throw i;
          i++;
        }
        value(depth + 1);
        skip();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else throw i;
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text)) return void (i = NUMBER.lastIndex);
    throw i;
  };
  try {
    value(0);
    skip();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1;
  }
}
