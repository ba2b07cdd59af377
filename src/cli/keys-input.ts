import { flattenKeys, importPublicKey, type VerifyKey } from '../verify/index.js';
import { decodeUtf8, readBytes } from './input.js';
import { InputError, oneLine, type AuditorIO } from './run-checked.js';

export const KEY_HELP = `  --key KEY            the signer's public key, pinned out of band: a file of
                       SPKI PEM, SPKI DER, a JWK or a JWKS; or an http(s):// URL
                       of a JWKS or PEM (with a warning: a key fetched from the
                       server that made the evidence proves nothing); repeat
                       for several keys`;

export const URL_KEY_WARNING =
  'a key fetched from the server that produced the evidence proves nothing (PROTOCOL.md §7); pin the key out of band (a file you trust)';

/** Every key that the `--key` values name, as one flat list (a JWKS gives all its keys). */
export async function loadKeys(specs: readonly string[] | undefined, io: AuditorIO, command: string): Promise<VerifyKey[]> {
  if (!specs || specs.length === 0) throw new InputError(`--key is required: the public key you trust (see aegislog ${command} --help)`);
  const keys: VerifyKey[] = [];
  for (const spec of specs) keys.push(...(await loadKey(spec, io)));
  return keys;
}

async function loadKey(spec: string, io: AuditorIO): Promise<VerifyKey[]> {
  const isUrl = /^https?:\/\//i.test(spec);
  if (isUrl) io.err(`warning: --key ${spec}: ${URL_KEY_WARNING}`);
  const bytes = isUrl ? await fetchKey(spec, io) : await readBytes(spec, io);
  // DER starts with a SEQUENCE tag; anything else is text (PEM, JSON, base64), strictly UTF-8.
  const material = bytes[0] === 0x30 ? bytes : decodeUtf8(bytes, `--key ${spec}`);
  try {
    return flattenKeys(await importPublicKey(material));
  } catch (error) {
    throw new InputError(`--key ${spec}: not a P-256 public key (${oneLine(error)})`);
  }
}

async function fetchKey(url: string, io: AuditorIO): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await (io.fetch ?? fetch)(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new InputError(`--key ${url}: cannot fetch (${oneLine(error)})`);
  }
  if (!response.ok) throw new InputError(`--key ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
