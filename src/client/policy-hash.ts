import { invalid } from '../schema/index.js';

/**
 * `sha256:<hex>` of a policy text or file, for `policy_context.policy_hash`
 * (the Time Machine Defense: prove later which rules were in force). Through
 * WebCrypto, in browsers, edge runtimes and Node alike. A string is hashed as UTF-8.
 */
export async function policyHash(data: string | Uint8Array | ArrayBuffer | Blob): Promise<string> {
  const bytes =
    typeof data === 'string' ? new TextEncoder().encode(data)
    : typeof Blob !== 'undefined' && data instanceof Blob ? await data.arrayBuffer()
    : (data as Uint8Array | ArrayBuffer);
  // WebCrypto refuses anything but bytes with a TypeError of its own (a policy given as an object, a read that gave nothing).
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource).catch(() => {
    throw invalid('data', 'must be a string, bytes (a TypedArray or an ArrayBuffer) or a Blob');
  }));
  // Hex by hand rather than the protocol's codec: that module would join the chunks record() loads.
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
