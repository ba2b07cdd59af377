import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { b64uEncode, eventDigest, receiptHash, receiptStatementOf } from '../../src/protocol/index.js';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { createServer, loadOrCreateNoteKey, localSigner, sqliteStore } from '../../src/server/node.js';
import type { ApiKeyConfig } from '../../src/server/node.js';
import { importPublicKey } from '../../src/verify/index.js';
import { bundleProblems } from '../support/v2-check.js';
import { bundle, spawnNode, stopChild } from './child.js';
import { tempDir } from './helpers.js';

/**
 * `kill -9` of a real `aegislog dev` process in the middle of a burst of
 * ingests (singles and batches from 8 concurrent senders), then a restart on
 * the same data folder: every receipt that reached a client is stored exactly
 * as issued and verifies once sealed, and the database is consistent.
 */
test('kill -9 during a burst of ingests, then restart: every issued receipt still verifies, the store is consistent', async () => {
  const temp = await tempDir();
  const data = join(temp.dir, 'data');
  const child = spawnNode(await bundle('fixtures/cli.ts'), ['dev', '--port', '0', '--data', data]);
  try {
    const [, url] = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const keys = JSON.parse(await readFile(join(data, 'dev-keys.json'), 'utf8')) as ApiKeyConfig[];
    const headers = { 'x-api-key': keys[0]!.key, 'content-type': 'application/json' };
    const receipts: Receipt[] = [];
    let killed = false;
    let failures = 0;
    const sender = async (n: number) => {
      // Bounded: at most 400 requests per sender, and it stops at the kill.
      for (let i = 0; i < 400 && !killed; i++) {
        const single = i % 2 === 0;
        const events = Array.from({ length: single ? 1 : 25 }, (_, j) => ({ event_type: 'burst', event_id: `s${n}-r${i}-e${j}`, n: i }));
        try {
          const response = await fetch(single ? `${url}/ingest` : `${url}/ingest/batch`, {
            method: 'POST', headers, body: JSON.stringify(single ? events[0] : { events }),
          });
          if (response.status !== 200) throw new Error(`status ${response.status}`);
          const body = (await response.json()) as Receipt | { receipts: Receipt[] };
          receipts.push(...('receipts' in body ? body.receipts : [body]));
        } catch {
          failures++; // a request cut by the kill: no receipt was issued to us
        }
      }
    };
    const senders = Array.from({ length: 8 }, (_, n) => sender(n));
    for (let looks = 0; receipts.length < 1500 && looks < 2000; looks++) await new Promise((r) => setTimeout(r, 5));
    child.process.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(receipts.length).toBeGreaterThanOrEqual(1500);
    expect(failures).toBeGreaterThan(0); // requests were in flight when it died

    const db = new Database(join(data, 'aegislog.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const store = await sqliteStore(join(data, 'aegislog.db'));
    const signer = await localSigner({ dir: data });
    const origin = (await readFile(join(data, 'origin'), 'utf8')).trim();
    const server = createServer({ signer, store, keys, origin, noteKey: (await loadOrCreateNoteKey(data, origin)).skey });
    await server.ready;
    const indexes = new Set<number>();
    let unsigned = 0;
    for (const receipt of receipts) {
      const record = await store.getRecord(receipt.tenant_id, receipt.event_id);
      expect(record?.statement).toEqual(receiptStatementOf(receipt));
      // A signature is kept after its receipt goes out: one the kill cut is made again on the next read.
      if (record!.signature_b64url === null) unsigned++;
      else expect(record!.signature_b64url).toBe(receipt.signature_b64url);
      expect(b64uEncode(eventDigest(record!.event))).toBe(receipt.digest_b64url);
      expect(record!.receiptHash).toEqual(receiptHash(receipt));
      indexes.add(record!.leafIndex);
    }
    expect(indexes.size).toBe(receipts.length); // no leaf index twice
    expect(unsigned).toBeLessThan(receipts.length);
    await server.sealNow();
    const size = await store.logSize('demo');
    expect(size).toBeGreaterThanOrEqual(receipts.length); // requests cut by the kill may have been stored without a reply
    expect((await store.lastHead('demo'))!.head.tree_size).toBe(size);
    const readKey = keys.find((k) => k.scope === 'read')!.key;
    const vkeys = (await (await server(new Request('http://x/.well-known/aegislog/vkeys'))).text()).trim().split('\n');
    const trust = { receiptKeys: await importPublicKey(await signer.publicJwk()), vkeys };
    const step = Math.max(1, Math.floor(receipts.length / 150)); // a spread sample keeps the test fast; all were checked above
    for (let i = 0; i < receipts.length; i += step) {
      const evidence = (await (await server(new Request(`http://x/evidence/${receipts[i]!.event_id}`, { headers: { 'x-api-key': readKey } }))).json()) as EvidenceBundle;
      expect(evidence.status).toBe('sealed');
      expect(await bundleProblems(evidence, trust), receipts[i]!.event_id).toEqual([]);
    }
    await store.close();
  } finally {
    await stopChild(child);
    await temp.remove();
  }
});
