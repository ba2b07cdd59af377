/**
 * Durable Object storage kept by the version before refusalIdentity changed: its `seen` keys hash
 * the old identity (kind and request). A refusal it kept, sent again, is still the same evidence
 * and must not be kept twice, as the SQLite store (its identity column filled in) does not.
 */
import { expect, it } from 'vitest';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { durableObjectWitnessStore, type Refusal } from '../../src/witness/node.js';
import { fakeDurableObjectState } from './helpers.js';

const refusal: Refusal = {
  origin: 'o', kind: 'smaller-tree', status: 409, reason: 'r', request: 'old 0\n\nlog.example\n5\nAAAA\n\n— sig\n', time: 1,
  cosigned: { size: 9, root: new Uint8Array(32), note: 'n\n' },
};

it('a refusal kept before the identity changed, sent again, is not kept again', async () => {
  // As the earlier version left it: the refusal, the sequence, the counts per kind, and its seen key.
  const oldIdentity = `${refusal.kind}\n${refusal.request}`;
  const data = new Map<string, unknown>([
    ['refusal\u0000o\u0000000000', refusal],
    ['refusals\u0000o', 1],
    ['kinds\u0000o', { 'smaller-tree': 1 }],
    [`seen\u0000o\u0000${hexEncode(sha256(new TextEncoder().encode(oldIdentity)))}`, 1],
  ]);
  const store = durableObjectWitnessStore(fakeDurableObjectState(data));
  await store.update('o', () => ({ refusal: { ...refusal, time: 2 }, result: null }));
  expect(await store.refusals('o')).toEqual([refusal]);
});
