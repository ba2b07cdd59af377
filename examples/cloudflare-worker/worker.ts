// A Cloudflare Worker that relays browser events to AegisLog.
// Secrets: `wrangler secret put AEGISLOG_API_KEY`. Bindings: see wrangler.json.
import { createRelay, type Relay } from 'aegislog/edge';

export interface Env {
  AEGISLOG_ENDPOINT: string;
  AEGISLOG_TENANT: string;
  /** Secret: stays in the Worker, never sent to browsers. */
  AEGISLOG_API_KEY: string;
  /** Comma-separated browser origins allowed to post to /aegislog/*. */
  APP_ORIGINS: string;
}

let relay: Relay | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    // Browsers post to /aegislog/ingest/batch and /aegislog/beacon on this origin, with no key.
    if (url.pathname.startsWith('/aegislog/')) {
      relay ??= createRelay({
        endpoint: env.AEGISLOG_ENDPOINT,
        apiKey: env.AEGISLOG_API_KEY,
        allowedOrigins: env.APP_ORIGINS.split(','),
        rateLimit: { burst: 20, perSecond: 5 },
      });
      return relay(request);
    }
    return new Response('not found', { status: 404 });
  },
};
