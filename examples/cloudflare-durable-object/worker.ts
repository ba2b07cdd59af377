// The client inside a Durable Object, its queue in the object's own storage: strongly consistent,
// so a listed event is exactly what was written. A failed flush is retried by an alarm.
// Secret: `wrangler secret put AEGISLOG_API_KEY`. Bindings: wrangler.json.
import { AegisLog, kvQueue, type KVNamespaceLike } from 'aegislog';

interface DurableObjectStateLike {
  storage: KVNamespaceLike & { setAlarm(scheduledTime: number): Promise<void> };
  waitUntil(promise: Promise<unknown>): void;
}

interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

export interface Env {
  AEGISLOG_ENDPOINT: string;
  AEGISLOG_TENANT: string;
  AEGISLOG_API_KEY: string;
  AEGISLOG_RETRY_SECONDS: string;
  SESSIONS: DurableObjectNamespaceLike;
}

export class ChatSession {
  constructor(private readonly state: DurableObjectStateLike, private readonly env: Env) {}

  private aegislog(): AegisLog {
    return new AegisLog({
      endpoint: this.env.AEGISLOG_ENDPOINT,
      tenantId: this.env.AEGISLOG_TENANT,
      apiKey: this.env.AEGISLOG_API_KEY,
      queue: kvQueue(this.state.storage),
      flushInterval: 0,
      retry: { attempts: 2, baseDelay: 100 },
    });
  }

  async fetch(request: Request): Promise<Response> {
    const started = Date.now();
    const { prompt, sessionId } = (await request.json()) as { prompt: string; sessionId: string };
    const answer = `You asked ${prompt.length} characters.`; // your model call goes here

    const log = this.aegislog();
    const eventId = log.record(
      'model_inference',
      { prompt_chars: prompt.length },
      {
        model_context: { model_id: 'demo-model', model_version: '1.0' },
        session_context: { session_id: sessionId, started_at: Math.floor(started / 1000) },
      },
    );
    this.state.waitUntil(this.deliver(log));
    return Response.json({ answer, eventId });
  }

  // Flushes; if events are left (the API down), an alarm tries again later.
  private async deliver(log: AegisLog): Promise<void> {
    const result = await log.flush();
    if (result.remaining > 0) await this.state.storage.setAlarm(Date.now() + Number(this.env.AEGISLOG_RETRY_SECONDS) * 1000);
  }

  async alarm(): Promise<void> {
    await this.deliver(this.aegislog());
  }
}

export default {
  // One object per chat session: its events queue in its own storage.
  async fetch(request: Request, env: Env): Promise<Response> {
    const { sessionId } = (await request.clone().json()) as { sessionId: string };
    return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId)).fetch(request);
  },
};
