// ecdsaNoteSigner builds the log's ECDSA vkey (type 0x02) from the signer's public key. A JWK coordinate that
// is not 32 bytes (a leading zero byte dropped, as some encoders do for 1 key in 256, or one byte too many)
// or a point off P-256 must be refused there, with ERR_KEY_INVALID: it once made a vkey of another point,
// which the log published and under which no checkpoint it signed ever verified, or threw a raw RangeError.
import { describe, expect, it } from 'vitest';
import { b64uDecode, b64uEncode } from '../../src/protocol/index.js';
import { localSigner } from '../../src/server/signers/local.js';
import { parseVkey } from '../../src/tlog/vkey.js';
import { ecdsaNoteSigner } from '../../src/verify/note-signers.js';

const refusal = async (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string; name?: string }) => e.code ?? e.name);

describe("ecdsaNoteSigner with a public key that is not a P-256 point's", () => {
  it('refuses a JWK coordinate of 31 or 33 bytes with ERR_KEY_INVALID', async () => {
    const server = await localSigner();
    const { x, y } = await server.publicJwk();
    const sign = (m: Uint8Array) => server.sign(m);
    const short = b64uEncode(b64uDecode(x, 'x').subarray(1));
    const long = b64uEncode(new Uint8Array([0, ...b64uDecode(y, 'y')]));
    expect(await refusal(ecdsaNoteSigner('e.example/log', { sign, publicJwk: async () => ({ x: short, y }) }))).toBe('ERR_KEY_INVALID');
    expect(await refusal(ecdsaNoteSigner('e.example/log', { sign, publicJwk: async () => ({ x, y: long }) }))).toBe('ERR_KEY_INVALID');
    // The key as it is still makes the signer.
    expect(await refusal(ecdsaNoteSigner('e.example/log', { sign, publicJwk: async () => ({ x, y }) }))).toBe('no error');
  });

  it('refuses an SPKI whose point is off the curve with ERR_KEY_INVALID', async () => {
    const server = await localSigner();
    const spki = parseVkey((await ecdsaNoteSigner('e.example/log', server)).vkey).key;
    const off = spki.slice();
    off[off.length - 1] = off[off.length - 1]! ^ 1;
    expect(await refusal(ecdsaNoteSigner('e.example/log', { spki: off, sign: (m) => server.sign(m) }))).toBe('ERR_KEY_INVALID');
  });
});
