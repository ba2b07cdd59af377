/**
 * `text` as a browser's `Origin` header writes it (`https://App.example:443/` is `https://app.example`), or
 * undefined when it names no origin a browser sends: not a URL, an opaque origin (`file:`, `data:`: "null"), or a
 * pattern such as `https://*.app.example`, which parses as an origin that matches nothing. The one reading of an
 * origin in configuration (a key's `origins`, `publicOrigins`, the relay's `allowedOrigins`, `--public-origin`):
 * each caller words its own refusal.
 */
export function originOf(text: unknown): string | undefined {
  let origin: string;
  try {
    origin = new URL(String(text)).origin;
  } catch {
    return undefined;
  }
  return origin === 'null' || origin.includes('*') ? undefined : origin;
}
