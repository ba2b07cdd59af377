import { createECDH, createHash, createPrivateKey, hash, sign } from 'node:crypto';
import type { Signer } from './types.js';
import { publishedJwk, thumbprintOf } from './signers/keys.js';
import { signOnThread } from './sign-thread.js';

/**
 * OpenSSL through node:crypto, for the Node entry only: the server benchmark
 * showed WebCrypto's per-call overhead and @noble/hashes' pure-JS SHA-256 as
 * the largest CPU costs per receipt after JSON itself (docs/server.md).
 */

/** One-shot SHA-256 (`crypto.hash` where Node has it, Node ≥ 20.12). */
export const nodeSha256: (data: Uint8Array) => Uint8Array =
  typeof hash === 'function'
    ? (data) => hash('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest();

/** A local P-256 signer on node:crypto: same key, key_id and DER output as the WebCrypto one, with less CPU per signature. */
export function nodeLocalSigner(privateJwk: JsonWebKey): Signer {
  const { kty, crv, x, y, d } = privateJwk;
  const key = createPrivateKey({ key: { kty, crv, x, y, d } as import('node:crypto').JsonWebKey, format: 'jwk' });
  // node:crypto takes any d beside any x, y (WebCrypto refuses): it would sign with d under the key_id of x, y.
  if (!isPairOf(d!, x!, y!)) throw new Error("d is not the private key of the JWK's public key (x, y)");
  const keyId = thumbprintOf({ kty, crv, x, y });
  const published = publishedJwk({ kty, crv, x, y }, keyId);
  const signer: Signer = {
    keyId,
    sign(message) {
      // With a callback, OpenSSL signs on libuv's thread pool: a batch's signatures run on the
      // other core while the main thread parses, validates and commits.
      return new Promise((resolve, reject) =>
        sign('sha256', message, { key, dsaEncoding: 'der' }, (error, signature) => (error ? reject(error) : resolve(signature))),
      );
    },
    signMany(messages) {
      // A batch on the signing thread: one message there and one back (sign-thread.ts).
      return signOnThread(keyId, { kty, crv, x, y, d }, messages) ?? Promise.all(messages.map((m) => signer.sign(m)));
    },
    async publicJwk() {
      return published;
    },
  };
  return signer;
}

/** Whether `d` is the private key of the public point (x, y), all base64url as a JWK writes them. */
function isPairOf(d: string, x: string, y: string): boolean {
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(Buffer.from(d, 'base64url'));
  } catch {
    return false;
  }
  const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
  return point.subarray(1, 33).equals(Buffer.from(x, 'base64url')) && point.subarray(33).equals(Buffer.from(y, 'base64url'));
}
