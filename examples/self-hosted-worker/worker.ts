// The AegisLog reference server self-hosted on Cloudflare: a DEMO. One Durable Object holds the
// whole log in memory, so it is lost when the object is evicted; use a durable store to keep it.
// Secrets: `npx aegislog keygen --out keys`, then `wrangler secret put AEGISLOG_SIGNING_JWK < keys/private.jwk.json`
// and `wrangler secret put AEGISLOG_NOTE_KEY < keys/note-signing-key`; AEGISLOG_KEYS is the keys file's JSON:
// [{"key","tenant_id","scope","origins"?}, ...]. AEGISLOG_ORIGIN names the log in its checkpoints: keep it for life.
import { createServer, localSigner, memoryStore, type AegisServer } from 'aegislog/server';

interface DurableObjectStateLike {
  storage: { setAlarm(scheduledTime: number): Promise<void> };
}

interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

export interface Env {
  AEGISLOG: DurableObjectNamespaceLike;
  AEGISLOG_SIGNING_JWK: string;
  AEGISLOG_NOTE_KEY: string;
  AEGISLOG_KEYS: string;
  AEGISLOG_ORIGIN: string;
  AEGISLOG_PERIOD_SECONDS: string;
}

export class AegisLogServer {
  private readonly server: Promise<AegisServer>;

  constructor(private readonly state: DurableObjectStateLike, env: Env) {
    this.server = (async () => {
      const server = createServer({
        signer: await localSigner({ privateJwk: JSON.parse(env.AEGISLOG_SIGNING_JWK) }),
        noteKey: env.AEGISLOG_NOTE_KEY,
        store: memoryStore(),
        keys: JSON.parse(env.AEGISLOG_KEYS),
        origin: env.AEGISLOG_ORIGIN,
        period: Number(env.AEGISLOG_PERIOD_SECONDS),
      });
      await server.ready;
      return server;
    })();
  }

  async fetch(request: Request): Promise<Response> {
    const server = await this.server;
    // Seal each period when it ends: an alarm wakes the object then.
    await this.state.storage.setAlarm(server.nextSealAt());
    return server(request);
  }

  async alarm(): Promise<void> {
    const server = await this.server;
    await server.sealDue();
    await this.state.storage.setAlarm(server.nextSealAt());
  }
}

export default {
  // Every request goes to the one object that holds the log.
  fetch(request: Request, env: Env): Promise<Response> {
    return env.AEGISLOG.get(env.AEGISLOG.idFromName('log')).fetch(request);
  },
};
