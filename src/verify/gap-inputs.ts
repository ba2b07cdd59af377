// What `aegislog audit --gaps` and the auditor page's loss panel both refuse before counting:
// an empty file, and one period given twice (its numbers would count twice, as repeats).
// Pure: each caller reads its files its own way and turns a message into its own error.

/** Checks one set of exports, file by file and line by line; a message means the set cannot be counted. */
export function gapInputCheck(): { file(name: string): { line(text: string): string | undefined; end(): string | undefined } } {
  const periods = new Map<string, string>();
  /** The entries of each tenant log each file held, [lo, hi): a stale open-period export overlaps the sealed one of its period. */
  const spans: { log: string; lo: number; hi: number; name: string }[] = [];
  return {
    file(name) {
      let line = 0;
      let content = false;
      let openOrigin: string | undefined;
      let span: { log: string; lo: number; hi: number } | undefined;
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
            span = sealedSpan(text);
            const period = periodOf(text);
            if (typeof period === 'string') return once(period);
            openOrigin = period?.open;
          }
          // An open period's export has no head to name it: its first receipt does (every export of the period starts there).
          if (line === 2 && openOrigin !== undefined) {
            const first = firstReceiptOf(text);
            if (first) {
              const { tenant, leaf } = first;
              span = { log: `${openOrigin} ${tenant}`, lo: leaf, hi: leaf + 1 };
              return once(`${openOrigin} ${tenant} from leaf ${leaf}, open period`);
            }
          }
          if (line > 2 && openOrigin !== undefined && span) {
            const receipt = firstReceiptOf(text);
            if (receipt) span.hi = Math.max(span.hi, receipt.leaf + 1);
          }
          return undefined;
        },
        end: () => {
          if (!content) return `${name} is empty: an export has a header line, then one line per receipt`;
          if (!span || span.lo >= span.hi) return undefined;
          const { log, lo, hi } = span;
          const other = spans.find((s) => s.log === log && s.lo < hi && lo < s.hi);
          if (other) {
            return `${name} and ${other.name} overlap (${log}: entries [${lo}, ${hi}) and [${other.lo}, ${other.hi})): give each period once, the latest export of an open one`;
          }
          spans.push({ ...span, name });
          return undefined;
        },
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

/** The tenant and leaf index of a receipt line (the first one names an open period's export: no other receipt shares it). */
function firstReceiptOf(line: string): { tenant: string; leaf: number } | undefined {
  try {
    const r = JSON.parse(line) as { tenant_id?: unknown; leaf_index?: unknown };
    return typeof r.tenant_id === 'string' && Number.isSafeInteger(r.leaf_index) ? { tenant: r.tenant_id, leaf: r.leaf_index as number } : undefined;
  } catch {
    return undefined;
  }
}

/** The entries a sealed export's header says it holds: [prev_tree_size, tree_size) of its tenant's log. */
function sealedSpan(header: string): { log: string; lo: number; hi: number } | undefined {
  try {
    const h = JSON.parse(header) as { origin?: unknown; tenant_head?: { tenant_id?: unknown; prev_tree_size?: unknown; tree_size?: unknown } | null };
    const head = h.tenant_head;
    if (!head || typeof head.tenant_id !== 'string' || !Number.isSafeInteger(head.prev_tree_size) || !Number.isSafeInteger(head.tree_size)) return undefined;
    return { log: `${String(h.origin)} ${head.tenant_id}`, lo: head.prev_tree_size as number, hi: head.tree_size as number };
  } catch {
    return undefined;
  }
}
