/**
 * Mutation for the duplicate-member tests: `value` as compact JSON with the member `name` of the
 * object at `path` given twice, `forged` first and its real value last (what JSON.parse keeps), or
 * the reverse. Every other member is written once, in its order.
 */
export function withDuplicate(value: unknown, path: readonly (string | number)[], name: string, forged: unknown, forgedFirst = true): string {
  const write = (v: unknown, at: readonly (string | number)[]): string => {
    if (Array.isArray(v)) return `[${v.map((e, i) => write(e, [...at, i])).join(',')}]`;
    if (typeof v !== 'object' || v === null) return JSON.stringify(v);
    const here = at.length === path.length && at.every((p, i) => p === path[i]);
    const members = Object.entries(v).map(([k, e]) => {
      const real = `${JSON.stringify(k)}:${write(e, [...at, k])}`;
      if (!here || k !== name) return real;
      const fake = `${JSON.stringify(k)}:${JSON.stringify(forged)}`;
      return forgedFirst ? `${fake},${real}` : `${real},${fake}`;
    });
    if (here && !(name in v)) throw new Error(`no member ${name} at ${path.join('.')}`);
    return `{${members.join(',')}}`;
  };
  return write(value, []);
}
