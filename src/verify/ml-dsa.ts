/**
 * ML-DSA-44 (FIPS 204) for subtree/v1 cosignatures, through @noble/post-quantum,
 * an optional peer dependency: loaded on first use, or handed in by the caller
 * (`import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js'`) where a bundler
 * should not see a dynamic import.
 */
import { AegisLogError } from '../protocol/index.js';

/** The part of @noble/post-quantum's `ml_dsa44` used here (pure ML-DSA, empty context). */
export interface MlDsa44 {
  keygen(seed?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export const ML_DSA_44_PUBLIC_KEY_LENGTH = 1312;

let loaded: Promise<MlDsa44> | undefined;

/** `given`, else @noble/post-quantum's ml_dsa44; throws `ERR_ML_DSA_UNAVAILABLE` when it is not installed. */
export function loadMlDsa44(given?: MlDsa44): Promise<MlDsa44> {
  if (given) return Promise.resolve(given);
  loaded ??= import('@noble/post-quantum/ml-dsa.js').then(
    (m) => m.ml_dsa44 as unknown as MlDsa44,
    (cause: unknown) => {
      loaded = undefined; // let a later call try again (e.g. after installing)
      throw new AegisLogError('ERR_ML_DSA_UNAVAILABLE', 'ML-DSA-44 needs the optional peer dependency @noble/post-quantum (npm i @noble/post-quantum)', { cause });
    },
  );
  return loaded;
}
