import { sha256 } from '@noble/hashes/sha2.js';
import { b64uEncode } from './base64url.js';
import { AegisLogError } from './errors.js';
import { canonicalBytes } from './jcs.js';

export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid?: string;
  alg?: string;
  use?: string;
}

const MEMBERS = ['crv', 'kty', 'x', 'y'] as const;

/**
 * RFC 7638 thumbprint of a P-256 public JWK: SHA-256 over its required members
 * (`crv`, `kty`, `x`, `y`) in lexicographic order without whitespace, which is
 * exactly their JCS form. It is the `key_id` of a local key (PROTOCOL.md §6).
 */
export function jwkThumbprint(jwk: Pick<EcPublicJwk, 'kty' | 'crv' | 'x' | 'y'>): string {
  if (typeof jwk !== 'object' || jwk === null) throw new AegisLogError('ERR_KEY_INVALID', 'jwk must be an object', { field: 'jwk' });
  for (const member of MEMBERS) {
    if (typeof jwk[member] !== 'string') throw new AegisLogError('ERR_KEY_INVALID', `jwk.${member} must be a string`, { field: `jwk.${member}` });
  }
  return b64uEncode(sha256(canonicalBytes({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })));
}
