/**
 * CORS for the relay. Only exact origins are allowed (no `*`): the relay adds
 * a secret key, so another site's page must not be able to post through a
 * visitor's browser. The relay's own origin needs no listing.
 */
export function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>, requestUrl: string): boolean {
  return allowed.has(origin) || origin === new URL(requestUrl).origin;
}

/** Headers for an answer to an allowed origin (or to a request that sent none). */
export function corsHeaders(origin: string | null): Headers {
  const headers = new Headers();
  if (origin !== null) {
    headers.set('access-control-allow-origin', origin);
    headers.set('access-control-expose-headers', 'retry-after');
  }
  headers.set('vary', 'origin');
  return headers;
}

/**
 * The answer to a preflight from an allowed origin. The client's headers are
 * listed so that one configured with a key still passes; the relay drops them.
 */
export function preflight(origin: string | null): Response {
  const headers = corsHeaders(origin);
  headers.set('access-control-allow-methods', 'POST, OPTIONS');
  headers.set('access-control-allow-headers', 'content-type, x-api-key, authorization');
  headers.set('access-control-max-age', '600');
  return new Response(null, { status: 204, headers });
}
