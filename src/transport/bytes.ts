/** UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD's 3 bytes, as TextEncoder writes them). */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 units -> 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * Takes event texts from the front of `bodies` while the joined envelope
 * `head + a,b,c + tail` stays within `maxBytes` and `maxCount`. Returns the
 * number taken: 0 when even the first does not fit.
 */
export function fitCount(bodies: readonly string[], envelopeBytes: number, maxBytes: number, maxCount: number): number {
  let bytes = envelopeBytes;
  let n = 0;
  for (const body of bodies) {
    bytes += utf8Length(body) + (n > 0 ? 1 : 0);
    if (bytes > maxBytes || n >= maxCount) break;
    n++;
  }
  return n;
}
