import { AegisLogError, derToRaw, sha256 } from '../../protocol/index.js';
import type { Signer } from '../types.js';
import { publishedJwk, spkiToJwk } from './keys.js';

/** The one method of an AWS SDK v3 `KMSClient` that the signer uses. */
export interface KmsClientLike {
  send(command: unknown): Promise<unknown>;
}

export interface KmsSignerOptions {
  /** Key id, ARN or alias of an asymmetric `ECC_NIST_P256` signing key. */
  keyId: string;
  /** A configured `KMSClient`; without one, `new KMSClient(clientConfig)` from `@aws-sdk/client-kms`. */
  client?: KmsClientLike;
  clientConfig?: Record<string, unknown>;
  /**
   * The SDK module (`import * as kms from '@aws-sdk/client-kms'`). The Web entry takes it
   * from the caller, so that bundles for Workers or Vercel Edge hold the SDK only when they
   * sign with KMS; the Node entry's `kmsSigner` loads it when it is not given.
   */
  sdk?: KmsSdk;
}

/** The three exports of `@aws-sdk/client-kms` that the signer uses. */
export interface KmsSdk {
  KMSClient: new (config: Record<string, unknown>) => KmsClientLike;
  GetPublicKeyCommand: new (input: { KeyId: string }) => unknown;
  SignCommand: new (input: { KeyId: string; Message: Uint8Array; MessageType: 'DIGEST'; SigningAlgorithm: 'ECDSA_SHA_256' }) => unknown;
}



/**
 * AWS KMS as the signer. `@aws-sdk/client-kms` is an optional peer dependency. KMS signs the SHA-256 digest (`MessageType: 'DIGEST'`,
 * `ECDSA_SHA_256`) and returns DER; `GetPublicKey` gives the SPKI to publish.
 * `key_id` is the key ARN that `GetPublicKey` reports (PROTOCOL.md §7). Rejects with `ERR_KMS_UNAVAILABLE`
 * when the SDK is missing or `GetPublicKey` fails (no region, no credentials, an unknown key: the message names
 * the key and carries the SDK's words), and `ERR_KEY_INVALID` for a key of another spec.
 */
export async function kmsSigner(options: KmsSignerOptions): Promise<Signer> {
  const { sdk } = options;
  if (!sdk) {
    throw new AegisLogError('ERR_KMS_UNAVAILABLE', "kmsSigner needs the SDK: kmsSigner({ keyId, sdk: await import('@aws-sdk/client-kms') })", { field: 'sdk' });
  }
  const client = options.client ?? new sdk.KMSClient(options.clientConfig ?? {});
  type KeyInfo = { KeyId?: string; KeySpec?: string; SigningAlgorithms?: string[]; PublicKey?: Uint8Array };
  let info: KeyInfo;
  try {
    info = (await client.send(new sdk.GetPublicKeyCommand({ KeyId: options.keyId }))) as KeyInfo;
  } catch (cause) {
    // The SDK's own words ("Region is missing", "Could not load credentials") do not say which step or key failed.
    const message = cause instanceof Error ? cause.message : String(cause);
    const hint = /region/i.test(message) ? ' (set AWS_REGION, or pass clientConfig: { region })' : '';
    throw new AegisLogError('ERR_KMS_UNAVAILABLE', `KMS GetPublicKey for ${options.keyId} failed: ${message}${hint}`, { cause });
  }
  if (info.KeySpec !== 'ECC_NIST_P256' || !info.SigningAlgorithms?.includes('ECDSA_SHA_256') || !info.PublicKey) {
    throw new AegisLogError('ERR_KEY_INVALID', `KMS key ${options.keyId} is not an ECC_NIST_P256 signing key with ECDSA_SHA_256`);
  }
  const keyId = info.KeyId ?? options.keyId;
  const published = publishedJwk(await spkiToJwk(info.PublicKey), keyId);
  return {
    keyId,
    async sign(message) {
      const answer = (await client.send(
        new sdk.SignCommand({ KeyId: keyId, Message: sha256(message), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
      )) as { Signature?: Uint8Array };
      if (!answer.Signature) throw new AegisLogError('ERR_KMS_SIGN', `KMS Sign returned no signature for ${keyId}`);
      const der = new Uint8Array(answer.Signature);
      derToRaw(der); // refuse a malformed answer here rather than in every verifier
      return der;
    },
    async publicJwk() {
      return published;
    },
  };
}
