/**
 * `1234567` → `'1,234,567'`, as `toLocaleString('en-US')` writes an integer, without
 * it: the first call of that loads ICU's number formatter, 20–40 ms of every command
 * that prints a count (an audit of a million receipts takes 2.5 s in all).
 */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `n` with its noun, singular for one: `counted(1, 'line')` → `'1 line'`, `counted(2, 'line')` → `'2 lines'`. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}
