/**
 * A Worker that is the relay and nothing else, built from the source (src/edge), so that a test in
 * workerd runs the relay as changed, with no `npm run build` first. Its endpoint and timeout come
 * from the bindings, as a deployment's would.
 */
import { createRelay, type Relay } from '../../src/edge/index.js';

interface Env {
  AEGISLOG_ENDPOINT: string;
  AEGISLOG_API_KEY: string;
  APP_ORIGINS: string;
  /** Upstream timeout in ms, if not the default. */
  RELAY_TIMEOUT?: string;
  /** A rate limit per client, `burst/perSecond` (`2/0.001`), if any. */
  RELAY_RATE?: string;
}

let relay: Relay | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    relay ??= createRelay({
      endpoint: env.AEGISLOG_ENDPOINT,
      apiKey: env.AEGISLOG_API_KEY,
      allowedOrigins: env.APP_ORIGINS.split(','),
      ...(env.RELAY_TIMEOUT === undefined ? {} : { timeout: Number(env.RELAY_TIMEOUT) }),
      ...(env.RELAY_RATE === undefined ? {} : { rateLimit: { burst: Number(env.RELAY_RATE.split('/')[0]), perSecond: Number(env.RELAY_RATE.split('/')[1]) } }),
    });
    return relay(request);
  },
};
