// app/api/chat/route.ts: records evidence of each model call, delivered after the response.
import { AegisLog, kvQueue } from 'aegislog';
import { Redis } from '@upstash/redis';
import { waitUntil } from '@vercel/functions';

export const runtime = 'edge';

// The queue outlives the function instance: what a failed flush leaves waits in Redis for a later one.
// Redis.fromEnv() reads UPSTASH_REDIS_REST_URL and _TOKEN (or Vercel's KV_REST_API_URL and _TOKEN).
const queue = kvQueue(Redis.fromEnv());

export async function POST(request: Request): Promise<Response> {
  const started = Date.now();
  const { prompt, sessionId } = (await request.json()) as { prompt: string; sessionId: string };
  const answer = `You asked ${prompt.length} characters.`; // your model call goes here

  const log = new AegisLog({
    endpoint: process.env.AEGISLOG_ENDPOINT!,
    tenantId: process.env.AEGISLOG_TENANT!,
    apiKey: process.env.AEGISLOG_API_KEY!, // secret: stays on the server
    queue,
    flushInterval: 0, // no timers: flush with waitUntil after the response
    retry: { attempts: 2, baseDelay: 100 }, // a failed flush ends fast; its events stay queued
  });
  const eventId = log.record(
    'model_inference',
    { prompt_chars: prompt.length, answer_chars: answer.length },
    {
      model_context: { model_id: 'demo-model', model_version: '1.0' },
      session_context: { session_id: sessionId, started_at: Math.floor(started / 1000) },
      performance_metrics: { latency_ms: Date.now() - started },
    },
  );
  waitUntil(log.flush());
  return Response.json({ answer, eventId });
}
