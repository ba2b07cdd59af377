// The AegisLog reference server self-hosted on Cloudflare, durable: nothing is kept only in memory.
// - AegisLogTenant: one Durable Object per tenant, that tenant log's sequencer; its entries and tiles
//   live in the object's SQLite storage.
// - AegisLogSealer: one Durable Object with the root log (heads, checkpoints) in its SQLite storage;
//   an alarm at each period's end seals it.
// - The Worker: authenticates each request (the API keys) and routes it, through durableObjectStore,
//   to the objects of the tenant it names (a stub per call: a stub belongs to the request that made it).
// Secrets: `npx aegislog keygen --origin log.example.com/aegislog --out keys`, then
// `wrangler secret put AEGISLOG_SIGNING_JWK < keys/private.jwk.json` and
// `wrangler secret put AEGISLOG_NOTE_KEY < keys/note-signing-key`; publish keys/log.vkeys for auditors.
// AEGISLOG_KEYS is the keys file's JSON: [{"key","tenant_id","scope","origins"?}, ...].
// AEGISLOG_ORIGIN names the log in its checkpoints, and AEGISLOG_PERIOD_SECONDS its periods: keep both for life.
import { createServer, durableObjectStore, localSigner, rootLogObject, tenantLogObject } from 'aegislog/server';
import type { AegisServer, DurableStorageLike, ExecutionContextLike, LogObject, Store } from 'aegislog/server';

interface DurableObjectStateLike {
  storage: DurableStorageLike & { getAlarm(): Promise<number | null>; setAlarm(scheduledTime: number): Promise<void> };
}

interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): LogObject;
}

export interface Env {
  TENANT_LOGS: DurableObjectNamespaceLike;
  SEALER: DurableObjectNamespaceLike;
  AEGISLOG_SIGNING_JWK: string;
  AEGISLOG_NOTE_KEY: string;
  AEGISLOG_KEYS: string;
  AEGISLOG_ORIGIN: string;
  AEGISLOG_PERIOD_SECONDS: string;
}

const sealerOf = (env: Env) => env.SEALER.get(env.SEALER.idFromName('sealer'));
const tenantsOf = (env: Env) => (tenantId: string) => env.TENANT_LOGS.get(env.TENANT_LOGS.idFromName(tenantId));

async function serverOn(store: Store, env: Env): Promise<AegisServer> {
  const server = createServer({
    signer: await localSigner({ privateJwk: JSON.parse(env.AEGISLOG_SIGNING_JWK) }),
    noteKey: env.AEGISLOG_NOTE_KEY,
    store,
    keys: JSON.parse(env.AEGISLOG_KEYS),
    origin: env.AEGISLOG_ORIGIN,
    period: Number(env.AEGISLOG_PERIOD_SECONDS),
  });
  await server.ready;
  return server;
}

export class AegisLogTenant {
  private readonly log: LogObject;

  constructor(state: DurableObjectStateLike, env: Env) {
    // Before an append while it is not armed, the tenant log arms with the root log: every seal closes the armed ones.
    this.log = tenantLogObject(state.storage, () => sealerOf(env));
  }

  fetch(request: Request): Promise<Response> {
    return this.log.fetch(request);
  }
}

export class AegisLogSealer {
  private readonly log: LogObject;
  private server: Promise<AegisServer> | undefined;

  constructor(
    private readonly state: DurableObjectStateLike,
    private readonly env: Env,
  ) {
    this.log = rootLogObject(state.storage);
  }

  async fetch(request: Request): Promise<Response> {
    // The first call (a tenant's first entry) arms the alarm; a failed alarm is re-armed by the next call.
    if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(Date.now());
    return this.log.fetch(request);
  }

  async alarm(): Promise<void> {
    this.server ??= serverOn(durableObjectStore({ root: () => this.log, tenant: tenantsOf(this.env) }), this.env);
    try {
      const server = await this.server;
      await server.sealDue();
      // Another sealer holding the lease (a front Worker sealing beside a request): look again in a second.
      await this.state.storage.setAlarm(Math.max(server.nextSealAt(), Date.now() + 1000));
    } catch (error) {
      this.server = undefined;
      throw error; // the alarm is retried
    }
  }
}

let front: Promise<AegisServer> | undefined;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContextLike): Promise<Response> {
    front ??= serverOn(durableObjectStore({ root: () => sealerOf(env), tenant: tenantsOf(env) }), env);
    try {
      // With ctx, the work that outlives the response (keeping receipt signatures, a seal beside
      // this request) goes to ctx.waitUntil: without it the Worker would cut that work off.
      return await (await front)(request, env, ctx);
    } catch (error) {
      front = undefined; // a start that failed (an object unreachable) is tried again by the next request
      throw error;
    }
  },
};
