import { chmod, readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, test } from 'vitest';
import { b64Decode, b64Encode, canonicalBytes, derToRaw, hexDecode, jwkThumbprint, receiptStatementOf, sha256 } from '../../src/protocol/index.js';
import type { Receipt } from '../../src/protocol/index.js';
import type { Signer } from '../../src/server/index.js';
import { generateSigningJwk, localSigner as webLocalSigner } from '../../src/server/index.js';
import { kmsSigner, localSigner } from '../../src/server/node.js';
import { kmsSigner as webKmsSigner } from '../../src/server/index.js';
import { importPublicKey, verifySignature } from '../../src/verify/index.js';
import { KEYS, event, start, tempDir } from './helpers.js';

const message = new TextEncoder().encode('{"v":1}');

describe('localSigner', () => {
  test('signs SHA-256(message) with P-256, returns strict DER; key_id is the RFC 7638 thumbprint', async () => {
    const signer = await localSigner();
    const jwk = await signer.publicJwk();
    expect(signer.keyId).toBe(jwkThumbprint(jwk));
    expect(jwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: signer.keyId, alg: 'ES256', use: 'sig' });
    const der = await signer.sign(message);
    expect(der[0]).toBe(0x30);
    expect(() => derToRaw(der)).not.toThrow();
    const key = await importPublicKey(jwk);
    expect(await verifySignature({ key, signature: der, message })).toBe(true);
    expect(await verifySignature({ key, signature: der, message: new TextEncoder().encode('{"v":2}') })).toBe(false);
  });

  test('in Node, { dir } makes signing-key.jwk once with mode 0600 and loads it afterwards', async () => {
    const temp = await tempDir();
    try {
      const first = await localSigner({ dir: temp.dir });
      const path = join(temp.dir, 'signing-key.jwk');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('d');
      const second = await localSigner({ dir: temp.dir });
      expect(second.keyId).toBe(first.keyId);
      const key = await importPublicKey(await first.publicJwk());
      expect(await verifySignature({ key, signature: await second.sign(message), message })).toBe(true);
    } finally {
      await temp.remove();
    }
  });

  test('the node:crypto signer (Node entry, key from a file) and the WebCrypto one agree on key_id and both verify', async () => {
    const privateJwk = await generateSigningJwk();
    const viaNode = await localSigner({ privateJwk });
    const viaWeb = await webLocalSigner({ privateJwk });
    expect(viaNode.keyId).toBe(viaWeb.keyId);
    expect(await viaNode.publicJwk()).toEqual(await viaWeb.publicJwk());
    const key = await importPublicKey(await viaWeb.publicJwk());
    for (const signer of [viaNode, viaWeb]) {
      const der = await signer.sign(message);
      expect(() => derToRaw(der)).not.toThrow();
      expect(await verifySignature({ key, signature: der, message })).toBe(true);
    }
  });

  test('a key file readable by other users is refused', async () => {
    const temp = await tempDir();
    try {
      await localSigner({ dir: temp.dir });
      await chmod(join(temp.dir, 'signing-key.jwk'), 0o644);
      await expect(localSigner({ dir: temp.dir })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    } finally {
      await temp.remove();
    }
  });

  test('the Node signer signs a batch on its signing thread: each signature verifies for its own message, in order', async () => {
    const signer = await localSigner({ privateJwk: await generateSigningJwk() });
    const key = await importPublicKey(await signer.publicJwk());
    const messages = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`{"leaf_index":${i}}`));
    const signatures = await signer.signMany!(messages);
    expect(signatures).toHaveLength(messages.length);
    for (let i = 0; i < messages.length; i++) {
      expect(() => derToRaw(signatures[i]!)).not.toThrow();
      expect(await verifySignature({ key, signature: signatures[i]!, message: messages[i]! })).toBe(true);
      expect(await verifySignature({ key, signature: signatures[i]!, message: messages[(i + 1) % messages.length]! })).toBe(false);
    }
    // Two keys share the one thread: each batch is signed with its own signer's key.
    const other = await localSigner({ privateJwk: await generateSigningJwk() });
    const [mine, theirs] = await Promise.all([signer.signMany!(messages.slice(0, 3)), other.signMany!(messages.slice(0, 3))]);
    const otherKey = await importPublicKey(await other.publicJwk());
    expect(await verifySignature({ key, signature: mine[0]!, message: messages[0]! })).toBe(true);
    expect(await verifySignature({ key: otherKey, signature: theirs[0]!, message: messages[0]! })).toBe(true);
    expect(await verifySignature({ key, signature: theirs[0]!, message: messages[0]! })).toBe(false);
  });

  test('ingest signs a batch in one signMany call where the signer has it, else one sign() per receipt', async () => {
    const inner = await localSigner({ privateJwk: await generateSigningJwk() });
    const key = await importPublicKey(await inner.publicJwk());
    for (const batched of [true, false]) {
      const calls = { sign: 0, signMany: [] as number[] };
      const signer: Signer = {
        keyId: inner.keyId,
        publicJwk: () => inner.publicJwk(),
        sign: (m) => (calls.sign++, inner.sign(m)),
        ...(batched && { signMany: (list: readonly Uint8Array[]) => (calls.signMany.push(list.length), inner.signMany!(list)) }),
      };
      const s = await start({ signer, sqlite: false });
      try {
        const events = Array.from({ length: 7 }, (_, i) => event({ event_id: `batch-${batched}-${i}` }));
        const answer = (await (await s.call('/ingest/batch', { key: KEYS.ingest, json: { events } })).json()) as { receipts: Receipt[] };
        expect(answer.receipts.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id));
        expect(calls).toEqual(batched ? { sign: 0, signMany: [7] } : { sign: 7, signMany: [] });
        for (const receipt of answer.receipts) {
          const statement = canonicalBytes(receiptStatementOf(receipt));
          expect(await verifySignature({ key, signature: receipt.signature_b64url, message: statement })).toBe(true);
        }
      } finally {
        await s.stop();
      }
    }
  });
});

/**
 * There is no AWS here, so this is a fake KMS: a small HTTP server on 127.0.0.1
 * speaking the awsJson1_1 protocol (X-Amz-Target: TrentService.Sign / GetPublicKey)
 * with a local P-256 key, signing the given digest as KMS does (no low-S
 * normalisation). The client is the REAL @aws-sdk/client-kms, pointed at it by
 * its `endpoint` option, so the SDK's request and answer handling is exercised.
 */
async function fakeKms(keySpec = 'ECC_NIST_P256') {
  const secret = p256.utils.randomSecretKey();
  const spki = new Uint8Array([...hexDecode('3059301306072a8648ce3d020106082a8648ce3d030107034200'), ...p256.getPublicKey(secret, false)]);
  const arn = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const signed: { MessageType: string; Message: Uint8Array; SigningAlgorithm: string }[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const input = JSON.parse(body) as Record<string, string>;
      const target = req.headers['x-amz-target'];
      const reply = (status: number, answer: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
      };
      if (input.KeyId !== arn && input.KeyId !== 'alias/aegislog') return reply(400, { __type: 'NotFoundException', message: 'no such key' });
      if (target === 'TrentService.GetPublicKey') {
        return reply(200, { KeyId: arn, KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'], PublicKey: b64Encode(spki) });
      }
      if (target === 'TrentService.Sign') {
        const digest = b64Decode(input.Message!);
        signed.push({ MessageType: input.MessageType!, Message: digest, SigningAlgorithm: input.SigningAlgorithm! });
        const der = p256.sign(digest, secret, { prehash: false, lowS: false, format: 'der' });
        return reply(200, { KeyId: arn, Signature: b64Encode(der), SigningAlgorithm: 'ECDSA_SHA_256' });
      }
      reply(400, { __type: 'UnsupportedOperationException', message: String(target) });
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const client = new KMSClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
  });
  return { arn, signed, client, close: () => new Promise<void>((done) => server.close(() => done())) };
}

describe('kmsSigner (real @aws-sdk/client-kms against a fake KMS on 127.0.0.1)', () => {
  test('key_id is the ARN from GetPublicKey; Sign gets MessageType DIGEST with SHA-256(C(statement)); receipts verify', async () => {
    const kms = await fakeKms();
    try {
      const signer = await kmsSigner({ keyId: 'alias/aegislog', client: kms.client });
      expect(signer.keyId).toBe(kms.arn);
      const s = await start({ signer });
      try {
        const receipt = (await (await s.call('/ingest', { key: KEYS.ingest, json: event() })).json()) as Receipt;
        expect(receipt.key_id).toBe(kms.arn);
        const statement = canonicalBytes(receiptStatementOf(receipt));
        expect(kms.signed.at(-1)).toEqual({ MessageType: 'DIGEST', Message: sha256(statement), SigningAlgorithm: 'ECDSA_SHA_256' });
        const pem = await (await s.call(`/keys/${encodeURIComponent(kms.arn)}.pem`, { key: null })).text();
        const key = await importPublicKey(pem, { kid: kms.arn });
        expect(await verifySignature({ key, signature: receipt.signature_b64url, message: statement })).toBe(true);
        const jwks = (await (await s.call('/.well-known/aegislog/keys.json', { key: null })).json()) as { keys: { kid: string }[] };
        expect(jwks.keys.map((k) => k.kid)).toContain(kms.arn);
      } finally {
        await s.stop();
      }
    } finally {
      await kms.close();
    }
  });

  test('an SDK passed in (as bundled Workers do) is the one used', async () => {
    const kms = await fakeKms();
    try {
      const sdk = await import('@aws-sdk/client-kms');
      const made: string[] = [];
      const spy = <T extends new (input: never) => unknown>(name: string, Command: T) =>
        class extends (Command as unknown as new (input: unknown) => object) {
          constructor(input: unknown) {
            super(input);
            made.push(name);
          }
        } as unknown as T;
      const signer = await kmsSigner({
        keyId: kms.arn,
        client: kms.client,
        sdk: { KMSClient: sdk.KMSClient, GetPublicKeyCommand: spy('GetPublicKey', sdk.GetPublicKeyCommand), SignCommand: spy('Sign', sdk.SignCommand) },
      });
      await signer.sign(new TextEncoder().encode('statement'));
      expect(made).toEqual(['GetPublicKey', 'Sign']);
    } finally {
      await kms.close();
    }
  });

  test('the Web entry (bundled for Workers) asks for the SDK rather than importing it', async () => {
    await expect(webKmsSigner({ keyId: 'alias/aegislog' })).rejects.toMatchObject({ code: 'ERR_KMS_UNAVAILABLE', field: 'sdk' });
  });

  test('a key that is not ECC_NIST_P256 is refused at start', async () => {
    const kms = await fakeKms('RSA_2048');
    try {
      await expect(kmsSigner({ keyId: kms.arn, client: kms.client })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    } finally {
      await kms.close();
    }
  });

  test('an unknown key id surfaces the KMS error', async () => {
    const kms = await fakeKms();
    try {
      await expect(kmsSigner({ keyId: 'alias/missing', client: kms.client })).rejects.toMatchObject({
        code: 'ERR_KMS_UNAVAILABLE',
        message: expect.stringMatching(/^KMS GetPublicKey for alias\/missing failed: .*no such key/),
      });
    } finally {
      await kms.close();
    }
  });

  test('no region: the error names the step, the key and what to set (the real SDK, no network)', async () => {
    const saved = { ...process.env };
    // Nothing for the SDK to find a region in: no variables, no config file.
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    process.env.AWS_CONFIG_FILE = '/nonexistent/aegislog-test/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aegislog-test/credentials';
    try {
      await expect(kmsSigner({ keyId: 'alias/aegislog' })).rejects.toMatchObject({
        code: 'ERR_KMS_UNAVAILABLE',
        message: expect.stringMatching(/^KMS GetPublicKey for alias\/aegislog failed: Region is missing.*AWS_REGION/),
      });
    } finally {
      process.env = saved;
    }
  });
});
