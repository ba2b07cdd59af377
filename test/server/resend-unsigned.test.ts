// A record committed but never signed (the process died before its signature was kept), sent
// again by two senders at once: both get the receipt the log keeps (§3: a duplicate answers the
// original receipt), in one process and across two.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { b64uEncode, canonicalize, sha256 } from '../../src/protocol/index.js';
import type { EvidenceBundle, Receipt, WireEvent } from '../../src/protocol/index.js';
import { receiptFor, type Unsaved } from '../../src/server/ingest.js';
import { localSigner, sqliteStore, type Signer, type Store } from '../../src/server/node.js';
import { KEYS, TENANT, start, tempDir } from './helpers.js';

/** A signer whose signatures wait until `release()`; `signing` resolves at its `n`th call. */
async function gatedSigner(dir: string) {
  const inner = await localSigner({ dir });
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const waiters: { n: number; resolve(): void }[] = [];
  let calls = 0;
  const signer: Signer = {
    keyId: inner.keyId,
    publicJwk: () => inner.publicJwk(),
    async sign(message) {
      calls++;
      for (const w of waiters) if (calls >= w.n) w.resolve();
      await gate;
      return inner.sign(message);
    },
  };
  const signing = (n: number) => new Promise<void>((resolve) => (calls >= n ? resolve() : waiters.push({ n, resolve })));
  return { signer, release, signing, calls: () => calls };
}

const NOW = Date.UTC(2026, 10, 28, 9);
const event = { tenant_id: TENANT, event_type: 'file.upload', event_id: 'ev-crash', trace_id: 'ev-crash' } as WireEvent;

/** What a crash between the commit and keeping the signature leaves: the record, unsigned. */
async function committedUnsigned(store: Store, keyId: string) {
  const eventJson = canonicalize(event);
  const digest_b64url = b64uEncode(sha256(new TextEncoder().encode(eventJson)));
  const [outcome] = await store.append({ tenantId: TENANT, entries: [{ event, eventJson, digest_b64url }], now: NOW, keyId, sha256 });
  if (!outcome?.stored) throw new Error('not stored');
  return outcome.record;
}

describe('a resent record whose signature was lost', () => {
  test('two concurrent resends to one server both answer the signature the store keeps, as evidence does', async () => {
    const temp = await tempDir();
    const path = join(temp.dir, 'aegislog.db');
    const gated = await gatedSigner(temp.dir);
    const before = await sqliteStore(path);
    await committedUnsigned(before, gated.signer.keyId);
    await before.close(); // the crash
    // The clock stays in the record's period: no seal signs a checkpoint meanwhile.
    const s = await start({ dir: temp.dir, store: await sqliteStore(path), signer: gated.signer, now: () => NOW });
    // The store sees both resends before any signature is made.
    let appends = 0;
    let bothAppended = () => {};
    const appended = new Promise<void>((resolve) => (bothAppended = resolve));
    const append = s.store.append.bind(s.store);
    s.store.append = async (request) => {
      const outcomes = await append(request);
      if (++appends === 2) bothAppended();
      return outcomes;
    };
    try {
      const send = () => s.call('/ingest', { key: KEYS.ingest, json: event }).then(async (r) => ({ status: r.status, receipt: (await r.json()) as Receipt }));
      const answers = Promise.all([send(), send()]);
      await Promise.all([appended, gated.signing(1)]);
      gated.release();
      const [a, b] = await answers;
      const kept = (await s.store.getRecord(TENANT, event.event_id))!.signature_b64url;
      expect(kept).not.toBeNull();
      expect([a, b].map((x) => [x.status, x.receipt.duplicate, x.receipt.signature_b64url])).toEqual([[200, true, kept], [200, true, kept]]);
      expect(gated.calls()).toBe(1); // one process signs once
      const bundle = (await (await s.call(`/evidence/${event.event_id}`)).json()) as EvidenceBundle;
      expect(bundle.receipt.signature_b64url).toBe(kept);
    } finally {
      await s.stop();
      await temp.remove();
    }
  });

  test('two processes that each sign it answer the one signature the store keeps', async () => {
    const temp = await tempDir();
    const gated = await gatedSigner(temp.dir);
    const store = await sqliteStore(join(temp.dir, 'aegislog.db'));
    try {
      const record = await committedUnsigned(store, gated.signer.keyId);
      // Each process has its own `unsaved`: both sign, and the store keeps one of the two.
      const resend = () => receiptFor({ store, signer: gated.signer, unsaved: new Map<string, Unsaved>() }, record);
      const answers = Promise.all([resend(), resend()]);
      await gated.signing(2);
      gated.release();
      const signatures = (await answers).map((r) => r.signature_b64url);
      const kept = (await store.getRecord(TENANT, event.event_id))!.signature_b64url;
      expect(signatures).toEqual([kept, kept]);
      expect(kept).not.toBeNull();
    } finally {
      await store.close();
      await temp.remove();
    }
  });

  // Found in review: after the receipt key was rotated, such a record was signed with the new key under the old
  // key_id its statement names, and that signature kept for ever: a receipt no verifier can accept, in the store
  // (which keeps the first signature), though the operator may still restore the old key.
  test('after the receipt key was rotated, it is not signed with the new key under the old key_id, nor anything kept', async () => {
    const temp = await tempDir();
    const path = join(temp.dir, 'aegislog.db');
    const old = await localSigner({ dir: join(temp.dir, 'old') });
    const before = await sqliteStore(path);
    await committedUnsigned(before, old.keyId);
    await before.close(); // the crash, then a new key
    const reported: unknown[] = [];
    const s = await start({ dir: temp.dir, store: await sqliteStore(path), now: () => NOW, onError: (e) => reported.push(e) });
    try {
      expect(s.signer.keyId).not.toBe(old.keyId);
      const errors: unknown[] = [];
      for (const answer of [await s.call(`/evidence/${event.event_id}`), await s.call('/ingest', { key: KEYS.ingest, json: event })]) {
        expect(answer.status).toBe(500);
        errors.push(await answer.json());
      }
      expect((await s.store.getRecord(TENANT, event.event_id))!.signature_b64url ?? undefined).toBeUndefined();
      expect(reported.map((e) => (e as Error).message)).toContainEqual(expect.stringContaining(`signed by key ${old.keyId}`));
    } finally {
      await s.stop();
      await temp.remove();
    }
  });
});
