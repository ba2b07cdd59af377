// A Cloudflare Worker that answers with the OpenAI SDK; wrapOpenAI records every model call as evidence
// (streamed or not), and the Worker delivers it after the response. Secrets: `wrangler secret put
// OPENAI_API_KEY`, `AEGISLOG_API_KEY`, `AEGISLOG_DIGEST_KEY`. Bindings: wrangler.json.
import OpenAI from 'openai';
import { AegisLog, kvQueue, type KVNamespaceLike } from 'aegislog';
import { wrapOpenAI } from 'aegislog/ai';

export interface Env {
  AEGISLOG_ENDPOINT: string;
  AEGISLOG_TENANT: string;
  AEGISLOG_API_KEY: string;
  /** The operator's digest key: the evidence keeps keyed digests of prompts and answers, not their text. */
  AEGISLOG_DIGEST_KEY: string;
  AEGISLOG_QUEUE: KVNamespaceLike;
  OPENAI_API_KEY: string;
  /** Optional: another OpenAI-compatible endpoint. */
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL: string;
}

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

type Message = { role: 'system' | 'user' | 'assistant'; content: string };

function aegislog(env: Env): AegisLog {
  return new AegisLog({
    endpoint: env.AEGISLOG_ENDPOINT,
    tenantId: env.AEGISLOG_TENANT,
    apiKey: env.AEGISLOG_API_KEY,
    queue: kvQueue(env.AEGISLOG_QUEUE), // what a failed flush leaves waits here for the next invocation
    flushInterval: 0,
    retry: { attempts: 2, baseDelay: 100 },
  });
}

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    if (new URL(request.url).pathname !== '/chat' || request.method !== 'POST') return new Response('not found', { status: 404 });
    const { messages, stream, sessionId } = (await request.json()) as { messages: Message[]; stream?: boolean; sessionId: string };

    const openai = wrapOpenAI(new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }), {
      log: aegislog(env),
      digestKey: env.AEGISLOG_DIGEST_KEY,
      waitUntil: (promise) => ctx.waitUntil(promise), // each call's event is delivered after the response
      model_context: { deployment_id: 'workers' },
      session_context: { session_id: sessionId, started_at: Math.floor(Date.now() / 1000) },
    });

    if (stream) {
      const chunks = await openai.chat.completions.create({ model: env.OPENAI_MODEL, messages, stream: true, stream_options: { include_usage: true } });
      // Newline-delimited JSON chunks; the call is recorded when the client has read them all (or went away).
      return new Response(chunks.toReadableStream(), { headers: { 'content-type': 'application/x-ndjson' } });
    }
    const completion = await openai.chat.completions.create({ model: env.OPENAI_MODEL, messages });
    return Response.json({ answer: completion.choices[0]?.message.content ?? '' });
  },

  // Cron trigger: delivers what failed flushes left in KV, even when no request comes.
  async scheduled(_controller: unknown, env: Env, ctx: Ctx): Promise<void> {
    ctx.waitUntil(aegislog(env).flush());
  },
};
