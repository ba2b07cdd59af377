import { AegisLogError, bytesEqual } from '../protocol/index.js';
import { TENANT_ID, TENANT_ID_RULE } from '../schema/index.js';
import { originOf } from '../transport/origin.js';
import { HttpError, badRequest, forbidden } from '../transport/web-handler.js';
import type { KeyBudget } from './rate-limit.js';

/** One entry of the keys file. `read` includes `ingest`; `admin` keys have `tenant_id: "*"` and include `read`. */
export interface ApiKeyConfig {
  key: string;
  tenant_id: string;
  scope: 'ingest' | 'read' | 'admin';
  /** Browser origins allowed on the ingest routes (`"*"` for any). Without it, only non-browser and same-origin calls. */
  origins?: string[];
}

export type Scope = ApiKeyConfig['scope'];
const RANK: Record<Scope, number> = { ingest: 1, read: 2, admin: 3 };

export interface KeyRing {
  /** The key entry for a presented secret, compared in constant time against every entry. */
  find(presented: string): ApiKeyConfig | undefined;
  /** Whether any key that may ingest allows `origin` (answers CORS preflights, which carry no key). */
  anyAllows(origin: string): boolean;
  /** Each key's rate budget: `authenticate` admits a request, the route charges what it carried. */
  budget: KeyBudget;
}

const UNLIMITED: KeyBudget = { admit() {}, charge() {}, debtMs: () => 0 };

const utf8 = new TextEncoder();

/** `sha256` is the server's own (node:crypto's under Node): every request hashes the key it presents. */
export function keyRing(keys: readonly ApiKeyConfig[], sha256: (data: Uint8Array) => Uint8Array, budget: KeyBudget = UNLIMITED): KeyRing {
  if (!Array.isArray(keys)) throw config('keys must be an array of {key, tenant_id, scope, origins?}');
  const seen = new Set<string>();
  const entries = keys.map((given, i) => {
    checkKey(given, i);
    if (seen.has(given.key)) throw config(`keys[${i}] repeats a key`);
    seen.add(given.key);
    // Origins as browsers send them, so that `https://App.example/` allows the page it names instead of none.
    const entry = given.origins ? { ...given, origins: given.origins.map((o: string, j: number) => keyOrigin(o, `keys[${i}].origins[${j}]`)) } : given;
    return { entry, hash: sha256(utf8.encode(entry.key)) };
  });
  return {
    find(presented) {
      // Hash first so that neither the secret's length nor a common prefix shows in timing; visit every entry.
      const hash = sha256(utf8.encode(presented));
      let found: ApiKeyConfig | undefined;
      for (const { entry, hash: candidate } of entries) if (bytesEqual(hash, candidate)) found = entry; // bytesEqual reads every byte
      return found;
    },
    anyAllows(origin) {
      return entries.some(({ entry }) => entry.scope !== 'admin' && allowsOrigin(entry, origin));
    },
    budget,
  };
}

/** What an HTTP header value carries as it is (RFC 9110 §5.5): visible Latin-1 at both ends, spaces and tabs only inside. */
const HEADER_VALUE = /^[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/;

const MEMBERS = ['key', 'tenant_id', 'scope', 'origins'];

function checkKey(entry: ApiKeyConfig, i: number): void {
  if (typeof entry !== 'object' || entry === null) throw config(`keys[${i}] is not an object`);
  // A typo (`origin` for `origins`) was taken without a word, and every browser call of that key then refused.
  for (const name of Object.keys(entry)) {
    if (!MEMBERS.includes(name)) throw config(`keys[${i}]${/^\w+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`} is not a member of a key (${MEMBERS.join(', ')})`);
  }
  if (typeof entry.key !== 'string' || entry.key.length < 16) throw config(`keys[${i}].key must be a string of at least 16 characters`);
  // A header value is Latin-1 without control characters, its spaces at the ends dropped: another key never matches.
  if (!HEADER_VALUE.test(entry.key)) {
    throw config(`keys[${i}].key has a character no HTTP header can carry (a control character, or one beyond Latin-1) or a space at an end: no request could present it`);
  }
  // An own name of RANK: `in` also finds what every object inherits ("toString"), which then passed every scope check.
  if (!Object.hasOwn(RANK, entry.scope)) throw config(`keys[${i}].scope must be "ingest", "read" or "admin"`);
  if (entry.scope === 'admin' ? entry.tenant_id !== '*' : typeof entry.tenant_id !== 'string' || !TENANT_ID.test(entry.tenant_id)) {
    throw config(`keys[${i}].tenant_id must be ${entry.scope === 'admin' ? '"*" for an admin key' : TENANT_ID_RULE}`);
  }
  if (entry.origins !== undefined && (!Array.isArray(entry.origins) || entry.origins.some((o) => typeof o !== 'string'))) {
    throw config(`keys[${i}].origins must be an array of origins such as "https://app.example"`);
  }
}

/**
 * An `origins` entry as the `Origin` header writes it (`https://app.example:443/` is `https://app.example`); `"*"`
 * (any) and `"null"` (the opaque origin of sandboxed frames and files: allowed when listed, or by `"*"`) as they are.
 */
function keyOrigin(text: string, field: string): string {
  if (text === '*' || text === 'null') return text;
  const origin = originOf(text);
  if (!origin) throw config(`${field} is not an origin such as "https://app.example" (no patterns: list each one, or "*" for any)`);
  return origin;
}

/** The error names the field its message starts with (`keys[2].scope`), as every refusal of the library does. */
function config(message: string): AegisLogError {
  return new AegisLogError('ERR_CONFIG', message, { field: /^keys(\[\d+\](\.\w+)?)?/.exec(message)![0] });
}

export function allowsOrigin(key: ApiKeyConfig, origin: string): boolean {
  return key.origins !== undefined && (key.origins.includes('*') || key.origins.includes(origin));
}

/** The secret from `X-Api-Key` or `Authorization: Bearer`. */
export function presentedKey(request: Request): string | undefined {
  const header = request.headers.get('x-api-key');
  if (header) return header;
  const auth = request.headers.get('authorization');
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

export function authenticate(ring: KeyRing, presented: string | undefined, scope: Scope): ApiKeyConfig {
  const key = identify(ring, presented, scope);
  ring.budget.admit(key);
  return key;
}

/** `authenticate` without taking the rate unit: for a route that first counts the request in flight (in-flight.ts). */
export function identify(ring: KeyRing, presented: string | undefined, scope: Scope): ApiKeyConfig {
  // Only a beacon body gives an empty key (`{"key":""}`): it did send one, so "send X-Api-Key" would mislead.
  if (presented === '') throw new HttpError(401, 'unauthorized', 'the API key given is empty', undefined, { 'www-authenticate': 'Bearer' });
  if (!presented) throw new HttpError(401, 'unauthorized', 'no API key: send X-Api-Key or Authorization: Bearer', undefined, { 'www-authenticate': 'Bearer' });
  const key = ring.find(presented);
  if (!key) throw new HttpError(401, 'unauthorized', 'unknown API key', undefined, { 'www-authenticate': 'Bearer' });
  if (RANK[key.scope] < RANK[scope]) throw forbidden(`this route needs ${scope === 'admin' ? 'an' : 'a'} ${scope} key; this key's scope is ${key.scope}`);
  return key;
}

/** The tenant a read route acts for: the key's own, or for an admin key the `tenant_id` it names. */
export function tenantOf(key: ApiKeyConfig, requested: string | null): string {
  if (key.scope === 'admin' && !requested) throw badRequest('an admin key must name tenant_id', 'tenant_id');
  // A malformed one names no tenant: refused for its form whatever the key (a 403 would say it was some other tenant).
  if (requested && !TENANT_ID.test(requested)) throw badRequest(`tenant_id must be ${TENANT_ID_RULE}`, 'tenant_id');
  if (key.scope === 'admin') return requested!;
  if (requested && requested !== key.tenant_id) throw forbidden(`tenant_id ${requested} is not this key's tenant`, 'tenant_id');
  return key.tenant_id;
}
