import type { EcPublicJwk, EvidenceBundle } from '../protocol/index.js';
import { HttpError } from './http.js';

/** The `/verify` answer (PROTOCOL.md §7). Waits for `verifyEvidence` of the verifier (issue 2). */
export async function verifyAnswer(_bundle: EvidenceBundle, _keys: EcPublicJwk[]): Promise<unknown> {
  throw new HttpError(501, 'not_implemented', '/verify is not available yet');
}
