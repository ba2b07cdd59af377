/**
 * The offset of the first ill-formed UTF-8 sequence in `b[from..to)` (Unicode Table 3-7: no overlong form, no
 * surrogate, nothing past U+10FFFF), or `to`. For saying where a file that failed validation goes wrong: the CLI's
 * input reader and the auditor page name the same line and byte offset.
 */
export function firstInvalidUtf8(b: Uint8Array, from = 0, to = b.length): number {
  for (let i = from; i < to; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // a surrogate
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return i;
    if (i + n >= to || b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return to;
}
