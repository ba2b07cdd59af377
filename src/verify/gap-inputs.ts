// What `aegislog audit --gaps` and the auditor page's loss panel both refuse before counting:
// an empty file, and one period given twice (its numbers would count twice, as repeats).
// Pure: each caller reads its files its own way and turns a message into its own error.

/** Checks one set of exports, file by file and line by line; a message means the set cannot be counted. */
export function gapInputCheck(): { file(name: string): { line(text: string): string | undefined; end(): string | undefined } } {
  const periods = new Map<string, string>();
  return {
    file(name) {
      let line = 0;
      let content = false;
      let openOrigin: string | undefined;
      const once = (key: string) => {
        const other = periods.get(key);
        if (other !== undefined) return `${name} and ${other} are the same export, or overlap (${key}): give each period once, the latest export of an open one`;
        periods.set(key, name);
        return undefined;
      };
      return {
        line(text) {
          line++;
          content ||= text.trim() !== '';
          if (line === 1 && text.includes('"aegislog-export"')) {
            const period = periodOf(text);
            if (typeof period === 'string') return once(period);
            openOrigin = period?.open;
          }
          // An open period's export has no head to name it: its first receipt does (every export of the period starts there).
          if (line === 2 && openOrigin !== undefined) {
            const first = firstReceiptOf(text);
            if (first) return once(`${openOrigin} ${first}, open period`);
          }
          return undefined;
        },
        end: () => (content ? undefined : `${name} is empty: an export has a header line, then one line per receipt`),
      };
    },
  };
}

/** A sealed export's identity from its header (origin, tenant and period), or the origin of an open period's export. */
function periodOf(header: string): string | { open: string } | undefined {
  try {
    const h = JSON.parse(header) as { origin?: string; tenant_head?: { tenant_id?: string; period_start?: string } | null };
    return h.tenant_head ? `${h.origin} ${h.tenant_head.tenant_id} ${h.tenant_head.period_start}` : { open: String(h.origin) };
  } catch {
    return undefined;
  }
}

/** The tenant and leaf index of a receipt line, which no other receipt shares. */
function firstReceiptOf(line: string): string | undefined {
  try {
    const r = JSON.parse(line) as { tenant_id?: unknown; leaf_index?: unknown };
    return typeof r.tenant_id === 'string' && Number.isSafeInteger(r.leaf_index) ? `${r.tenant_id} from leaf ${r.leaf_index}` : undefined;
  } catch {
    return undefined;
  }
}
