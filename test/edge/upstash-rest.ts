/**
 * A stand-in for Upstash's Redis REST service on 127.0.0.1, backed by a Map:
 * no Redis service (nor Upstash's REST bridge) can run here. It speaks what the
 * REAL @upstash/redis client sends (POST `/` with one command, `/pipeline` with
 * several, Bearer token, base64-encoded string results when the client asks),
 * for the few commands the KV queue uses: GET, SET, DEL, SCAN (paged, glob match, walking the whole keyspace
 * COUNT keys a call as Redis does, whatever MATCH), SADD, SREM, SMEMBERS. `commands` logs each command's name.
 */
import { serve, type Served } from './serve.js';

export interface FakeUpstash extends Served {
  token: string;
  data: Map<string, string>;
  /** Set keys and their members (a key is in `data` or here, never both). */
  sets: Map<string, Set<string>>;
  /** Each command's name, lower-cased, in the order run. */
  commands: string[];
}

export async function startFakeUpstash(): Promise<FakeUpstash> {
  const token = 'upstash-test-token';
  const data = new Map<string, string>();
  const sets = new Map<string, Set<string>>();
  const commands: string[] = [];
  const run = (command: unknown[]): unknown => {
    const [name, ...args] = command.map(String);
    commands.push(name!.toLowerCase());
    switch (name!.toLowerCase()) {
      case 'get':
        return data.get(args[0]!) ?? null;
      case 'set':
        data.set(args[0]!, args[1]!);
        return 'OK';
      case 'del':
        return args.filter((k) => data.delete(k) || sets.delete(k)).length;
      case 'sadd': {
        const set = sets.get(args[0]!) ?? new Set<string>();
        sets.set(args[0]!, set);
        return args.slice(1).filter((m) => !set.has(m) && set.add(m)).length;
      }
      case 'srem': {
        const set = sets.get(args[0]!);
        const n = args.slice(1).filter((m) => set?.delete(m)).length;
        if (set?.size === 0) sets.delete(args[0]!);
        return n;
      }
      case 'smembers':
        return [...(sets.get(args[0]!) ?? [])];
      case 'scan': {
        const cursor = Number(args[0]);
        const options = new Map<string, string>();
        for (let i = 1; i + 1 < args.length; i += 2) options.set(args[i]!.toLowerCase(), args[i + 1]!);
        const match = globToRegExp(options.get('match') ?? '*');
        const count = Number(options.get('count') ?? 10);
        const keys = [...data.keys(), ...sets.keys()].sort();
        const page = keys.slice(cursor, cursor + count).filter((k) => match.test(k));
        const next = cursor + count >= keys.length ? 0 : cursor + count;
        return [String(next), page];
      }
      default:
        throw new Error(`ERR unknown command '${name}'`);
    }
  };
  const served = await serve(async (request) => {
    if (request.headers.get('authorization') !== `Bearer ${token}`) return Response.json({ error: 'WRONGPASS' }, { status: 401 });
    const base64 = request.headers.get('upstash-encoding') === 'base64';
    const answer = (command: unknown[]) => {
      try {
        const result = run(command);
        return { result: base64 ? encode(result) : result };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    const body = (await request.json()) as unknown[];
    const path = new URL(request.url).pathname;
    if (path === '/pipeline' || path === '/multi-exec') return Response.json((body as unknown[][]).map(answer));
    const one = answer(body);
    return Response.json(one, { status: 'error' in one ? 400 : 200 });
  });
  return Object.assign(served, { token, data, sets, commands });
}

function encode(value: unknown): unknown {
  if (typeof value === 'string') return btoa(String.fromCharCode(...new TextEncoder().encode(value)));
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) out += glob[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}
