// A C2SP tlog-witness on Cloudflare Workers: one Durable Object per witnessed log, so that the
// check of a submission and the write of the new state are one step (the object's storage,
// under blockConcurrencyWhile), and logs scale apart.
// Secret: `aegislog keygen --witness witness.example.com/w1`, then `wrangler secret put WITNESS_KEY`
// with its PRIVATE+KEY line(s). WITNESS_LOGS: the vkeys (one per line) or a tlog-policy of the logs.
import {
  cosigner, createWitness, durableObjectWitnessStore, witnessHandler, type DurableObjectStateLike,
} from 'aegislog/witness';

export interface Env {
  WITNESS_KEY: string;
  WITNESS_LOGS: string;
  LOGS: DurableObjectNamespaceLike;
}

interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/**
 * Request bodies are capped: a body is read whole, and a refused one may be kept (its verified part) with the note it
 * contradicts. 128 KiB: signed-note has a verifier accept at least 16 signatures, post-quantum ones of up to nearly
 * 5 kB (16 such lines are about 107 KB in base64), beside the checkpoint and 63 proof lines.
 */
const MAX_BODY = 128 * 1024;

export class WitnessedLog {
  private handler: Promise<(request: Request) => Promise<Response>> | undefined;

  constructor(private readonly state: DurableObjectStateLike, private readonly env: Env) {}

  fetch(request: Request): Promise<Response> {
    this.handler ??= this.start();
    return this.handler.then((handle) => handle(request));
  }

  private async start() {
    const lines = this.env.WITNESS_KEY.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('PRIVATE+KEY+'));
    const witness = createWitness({
      cosigners: await Promise.all(lines.map((skey) => cosigner(skey))),
      logs: this.env.WITNESS_LOGS,
      store: durableObjectWitnessStore(this.state),
    });
    return witnessHandler(witness, { maxBodyBytes: MAX_BODY, onError: (error) => console.error('witness:', error) });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    const monitor = /^\/([0-9a-f]{64})\/(checkpoint|refusals)$/.exec(pathname);
    if (monitor) return env.LOGS.get(env.LOGS.idFromName(monitor[1]!)).fetch(request);
    if (pathname !== '/add-checkpoint') return new Response('not found\n', { status: 404 });
    if (request.method !== 'POST') return new Response('add-checkpoint takes POST\n', { status: 405, headers: { allow: 'POST' } });
    if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY) return new Response(`body is larger than ${MAX_BODY} bytes\n`, { status: 413 });
    const body = await request.arrayBuffer();
    if (body.byteLength > MAX_BODY) return new Response(`body is larger than ${MAX_BODY} bytes\n`, { status: 413 });
    // The log's object is found by the checkpoint's origin (its first line after the blank line);
    // whatever cannot be read there goes to one object, which answers 400 as the witness does.
    const text = new TextDecoder().decode(body);
    const start = text.indexOf('\n\n');
    const end = start < 0 ? -1 : text.indexOf('\n', start + 2);
    const origin = end < 0 ? '' : text.slice(start + 2, end);
    const id = env.LOGS.idFromName(await originHash(origin));
    return env.LOGS.get(id).fetch(new Request(request.url, { method: 'POST', body, headers: request.headers }));
  },
};

async function originHash(origin: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(origin)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}
