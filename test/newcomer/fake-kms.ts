/**
 * A FAKE of AWS KMS, because the real one cannot be reached from here: an HTTP
 * server on 127.0.0.1 that answers the two calls the KMS signer makes
 * (GetPublicKey and Sign, AWS JSON 1.1 as the real `@aws-sdk/client-kms`
 * sends them) with a P-256 key of its own. It ignores SigV4 signatures and
 * credentials; everything on the client side (the SDK, kmsSigner, the CLI) is real.
 * Point the SDK at it with AWS_ENDPOINT_URL_KMS (see `env`).
 */
import { createServer, type Server } from 'node:http';
import { p256 } from '@noble/curves/nist.js';

export interface FakeKms {
  /** The key's ARN, as GetPublicKey reports it (what receipts carry as key_id). */
  arn: string;
  /** SubjectPublicKeyInfo of the key, PEM. */
  publicPem: string;
  /** The calls received, in order: `GetPublicKey` / `Sign` with their KeyId and MessageType. */
  calls: { target: string; keyId: string; messageType?: string }[];
  /** Environment for the AWS SDK: region, dummy credentials, and this endpoint. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const SPKI_P256_PREFIX = Uint8Array.from(Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'));

export async function startFakeKms(alias = 'alias/aegislog'): Promise<FakeKms> {
  const secret = p256.utils.randomSecretKey();
  const spki = new Uint8Array([...SPKI_P256_PREFIX, ...p256.getPublicKey(secret, false)]);
  const arn = 'arn:aws:kms:eu-central-1:111122223333:key/0f4a9c7e-1d2b-4c3a-9e8f-7a6b5c4d3e2f';
  const calls: FakeKms['calls'] = [];
  const answer = (target: string, body: Record<string, unknown>) => {
    const keyId = String(body.KeyId);
    if (keyId !== alias && keyId !== arn) return { status: 400, json: { __type: 'NotFoundException', message: `Key '${keyId}' does not exist` } };
    if (target === 'TrentService.GetPublicKey') {
      return {
        status: 200,
        json: { KeyId: arn, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'], PublicKey: Buffer.from(spki).toString('base64') },
      };
    }
    if (target === 'TrentService.Sign') {
      if (body.MessageType !== 'DIGEST' || body.SigningAlgorithm !== 'ECDSA_SHA_256') return { status: 400, json: { __type: 'ValidationException', message: 'unexpected sign request' } };
      const digest = Buffer.from(String(body.Message), 'base64');
      const der = p256.sign(digest, secret, { prehash: false, format: 'der' });
      return { status: 200, json: { KeyId: arn, Signature: Buffer.from(der).toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' } };
    }
    return { status: 400, json: { __type: 'UnknownOperationException', message: target } };
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ target: target.replace('TrentService.', ''), keyId: String(body.KeyId), ...(body.MessageType ? { messageType: String(body.MessageType) } : {}) });
      const { status, json } = answer(target, body);
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  const publicPem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  return {
    arn,
    publicPem,
    calls,
    env: {
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-a-fake-kms',
      AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${port}`,
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
