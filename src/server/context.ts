import type { EcPublicJwk, EvidenceBundleV1 } from '../protocol/index.js';
import type { KeyRing } from './auth.js';
import type { Sealer } from './sealer.js';
import type { Signer, Store, StoredRecord } from './types.js';

/** Body and batch limits. The client relies on 413 meaning "split the batch". */
export interface Limits {
  /** `POST /ingest` body; the event itself is also held to 1 MiB as canonical JSON (schema `LIMITS.eventBytes`). */
  ingestBytes: number;
  /** `POST /ingest/batch` body (PROTOCOL.md §7: 1 MiB). */
  batchBytes: number;
  /** Events per batch or beacon (PROTOCOL.md §7: 500). */
  batchEvents: number;
  /** `POST /beacon` body (PROTOCOL.md §7: 60 KB, under sendBeacon's 64 KiB). */
  beaconBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  ingestBytes: 2 * 1024 * 1024,
  batchBytes: 1024 * 1024,
  batchEvents: 500,
  beaconBytes: 60 * 1024,
};

/** What every route handler gets. */
export interface Context {
  store: Store;
  signer: Signer;
  sealer: Sealer;
  ring: KeyRing;
  limits: Limits;
  logId: string;
  periodSeconds: number;
  evidenceOf(record: StoredRecord): Promise<EvidenceBundleV1>;
  /** The `/verify` answer for a bundle, checked against the given keys. */
  verifyAnswer(bundle: EvidenceBundleV1, keys: (EcPublicJwk & { kid: string })[]): Promise<unknown>;
  sha256(data: Uint8Array): Uint8Array;
  /** Every key the log has signed with, current one included. */
  publicKeys(): Promise<(EcPublicJwk & { kid: string })[]>;
}

export type Handler = (request: Request, url: URL, ctx: Context, params: string[]) => Promise<Response>;
