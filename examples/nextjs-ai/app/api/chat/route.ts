// app/api/chat/route.ts: streams the model's answer with the AI SDK; every model call is recorded as
// evidence by the middleware (sizes, token counts and keyed digests, not the text) and delivered after
// the response, with the queue in Redis.
import { AegisLog, kvQueue } from 'aegislog';
import { aegislogMiddleware } from 'aegislog/ai';
import { openai } from '@ai-sdk/openai';
import { Redis } from '@upstash/redis';
import { waitUntil } from '@vercel/functions';
import { streamText, wrapLanguageModel } from 'ai';

export const runtime = 'edge';

// The queue outlives the function instance: what a failed flush leaves waits in Redis for a later one.
const queue = kvQueue(Redis.fromEnv());

export async function POST(request: Request): Promise<Response> {
  const { prompt, sessionId } = (await request.json()) as { prompt: string; sessionId: string };
  const log = new AegisLog({
    endpoint: process.env.AEGISLOG_ENDPOINT!,
    tenantId: process.env.AEGISLOG_TENANT!,
    apiKey: process.env.AEGISLOG_API_KEY!, // secret: stays on the server
    queue,
    flushInterval: 0, // no timers: flush with waitUntil after the response
    retry: { attempts: 2, baseDelay: 100 },
  });
  const model = wrapLanguageModel({
    model: openai('gpt-4o-mini'), // reads OPENAI_API_KEY (and OPENAI_BASE_URL, if set)
    middleware: aegislogMiddleware({
      log,
      digestKey: process.env.AEGISLOG_DIGEST_KEY!, // the operator's secret: prompts and answers are digested, not kept
      digestKeyId: 'digest-2026-05',
      waitUntil, // each call's event is recorded when its stream ends, and delivered after the response
      policy_context: { policy_name: 'support-answers', policy_version: '3' },
      session_context: { session_id: sessionId, started_at: Math.floor(Date.now() / 1000) },
    }),
  });
  const result = streamText({ model, system: 'You answer questions about orders, briefly.', prompt });
  return result.toTextStreamResponse();
}
