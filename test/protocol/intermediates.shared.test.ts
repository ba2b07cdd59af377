import { describe, expect, it } from 'vitest';
import intermediates from '../vectors/aegislog-v1/intermediates.json';
import {
  b64uEncode, canonicalize, checkpointHash, eventDigest, receiptHash, tenantHeadHash,
  type EvidenceBundleV1,
} from '../../src/protocol/index.js';

// The independent implementation's bundles and every intermediate value (vectors/aegislog-v1/README.md).
const bundles = import.meta.glob<EvidenceBundleV1>('../vectors/aegislog-v1/bundles/*.json', { eager: true, import: 'default' });
type Step = Record<string, string>;

describe('aegislog-v1 intermediates: every hashed byte matches the independent implementation', () => {
  for (const [path, bundle] of Object.entries(bundles)) {
    const name = path.split('/').pop()!;
    const step = (intermediates as Record<string, Step>)[name]!;
    it(name, () => {
      expect(step, `intermediates for ${name}`).toBeDefined();
      expect(canonicalize(bundle.event)).toBe(step.event_jcs);
      expect(b64uEncode(eventDigest(bundle.event))).toBe(step.digest_b64url);
      expect(bundle.receipt.digest_b64url).toBe(step.digest_b64url);
      expect(b64uEncode(receiptHash(bundle.receipt))).toBe(step.receipt_hash_b64url);
      expect(canonicalize(bundle.tenant_head)).toBe(step.tenant_head_jcs);
      expect(b64uEncode(tenantHeadHash(bundle.tenant_head!))).toBe(step.tenant_head_hash_b64url);
      expect(b64uEncode(checkpointHash(bundle.checkpoint!))).toBe(step.checkpoint_hash_b64url);
    });
  }
});
