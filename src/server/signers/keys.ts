import { b64Encode, jwkThumbprint } from '../../protocol/index.js';
import type { EcPublicJwk } from '../../protocol/index.js';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The public JWK as published (§6): only the public members, plus `kid`, `alg` and `use`. */
export function publishedJwk(jwk: JsonWebKey, kid: string): EcPublicJwk & { kid: string } {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new TypeError('signing key is not an EC P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
}

/** Thumbprint `kid` of a public key (RFC 7638): the local signer's key_id. */
export function thumbprintOf(jwk: JsonWebKey): string {
  return jwkThumbprint(publishedJwk(jwk, ''));
}

export async function spkiToJwk(spki: Uint8Array): Promise<JsonWebKey> {
  const key = await crypto.subtle.importKey('spki', spki as Uint8Array<ArrayBuffer>, EC_P256, true, ['verify']);
  return crypto.subtle.exportKey('jwk', key);
}

/** SPKI PEM of a public JWK, for `GET /keys/{kid}.pem`. */
export async function jwkToSpkiPem(jwk: EcPublicJwk): Promise<string> {
  const { kty, crv, x, y } = jwk;
  const key = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, EC_P256, true, ['verify']);
  const der = new Uint8Array(await crypto.subtle.exportKey('spki', key));
  const lines = b64Encode(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

export { EC_P256 };
