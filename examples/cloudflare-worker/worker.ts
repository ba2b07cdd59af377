// A Cloudflare Worker that records evidence of each model call and relays browser events.
// Secret: `wrangler secret put AEGISLOG_API_KEY`. Bindings: wrangler.json.
import { AegisLog, kvQueue, type KVNamespaceLike } from 'aegislog';
import { createRelay, type Relay } from 'aegislog/edge';

export interface Env {
  AEGISLOG_ENDPOINT: string;
  AEGISLOG_TENANT: string;
  /** Secret: stays in the Worker, never sent to browsers. */
  AEGISLOG_API_KEY: string;
  /** Comma-separated browser origins allowed to post to /aegislog/*. */
  APP_ORIGINS: string;
  /** One key per queued event; Durable Object storage (`state.storage`) works the same. */
  AEGISLOG_QUEUE: KVNamespaceLike;
}

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

// One client per invocation: the queue in KV is what carries events from one invocation to the next.
function aegislog(env: Env): AegisLog {
  return new AegisLog({
    endpoint: env.AEGISLOG_ENDPOINT,
    tenantId: env.AEGISLOG_TENANT,
    apiKey: env.AEGISLOG_API_KEY,
    queue: kvQueue(env.AEGISLOG_QUEUE),
    flushInterval: 0, // no timers: flush with ctx.waitUntil after the response
    retry: { attempts: 2, baseDelay: 100 }, // a failed flush ends fast; its events stay in KV for the next one
  });
}

let relay: Relay | undefined;

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
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

    if (url.pathname === '/chat' && request.method === 'POST') {
      const started = Date.now();
      const { prompt, sessionId } = (await request.json()) as { prompt: string; sessionId: string };
      const answer = `You asked ${prompt.length} characters.`; // your model call goes here

      const log = aegislog(env);
      const eventId = log.record(
        'model_inference',
        { prompt_chars: prompt.length, answer_chars: answer.length },
        {
          model_context: { model_id: 'demo-model', model_version: '1.0' },
          session_context: { session_id: sessionId, started_at: Math.floor(started / 1000) },
          performance_metrics: { latency_ms: Date.now() - started },
        },
      );
      ctx.waitUntil(log.flush()); // delivered after the response; on failure it stays queued
      return Response.json({ answer, eventId });
    }

    return new Response('not found', { status: 404 });
  },

  // Cron trigger: delivers what failed flushes left in the queue, even when no request comes.
  async scheduled(_controller: unknown, env: Env, ctx: Ctx): Promise<void> {
    ctx.waitUntil(aegislog(env).flush());
  },
};
