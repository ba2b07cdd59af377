/**
 * CORS for the relay. Only exact origins are allowed (no `*`): the relay adds
 * a secret key, so another site's page must not be able to post through a
 * visitor's browser. The relay's own origin is listed like any other: it is
 * never judged from the `Host` header, which a DNS-rebinding page chooses (it
 * sends an Origin equal to the name it rebound to the relay), as the server
 * never judges its own.
 */
export function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>): boolean {
  return allowed.has(origin);
}

/** Headers for an answer to an allowed origin (or to a request that sent none). */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (origin === null) return { vary: 'origin' };
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'origin' };
}

/**
 * The answer to a preflight from an allowed origin. The client's headers are
 * listed so that one configured with a key still passes; the relay drops them.
 */
export function preflight(origin: string | null): Response {
  const headers = {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, x-api-key, authorization',
    'access-control-max-age': '600',
  };
  return new Response(null, { status: 204, headers });
}
