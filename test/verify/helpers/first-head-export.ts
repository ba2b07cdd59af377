// A period export (PROTOCOL.md §6.2) of tenant alpha's first head, built in the test and signed with a log key made
// in it: the receipt lines as given, the leaves from the receipts (which a test may give apart from their lines).
import { b64uEncode, receiptHash, tenantHeadHash } from '../../../src/protocol/index.js';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import { merkleRoot } from '../../../src/tlog/merkle.js';
import { signNote } from '../../../src/tlog/note.js';
import { NoteKeyType } from '../../../src/tlog/vkey.js';
import { ed25519NoteSigner, generateNoteSigningKey } from '../../../src/verify/note-signers.js';

type NoteSigner = Parameters<typeof signNote>[1][number];

/** A log key made for the test: its signer, and the tlog-policy that trusts it (no witnesses). */
export async function testLogKey(origin: string): Promise<{ signer: Awaited<ReturnType<typeof ed25519NoteSigner>>; policy: string }> {
  const key = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
  return { signer: await ed25519NoteSigner(key), policy: `log ${key.vkey}\nquorum none\n` };
}

/** The export's text: its header (head, inclusion in a root log of one head, checkpoint), then `lines`. */
export async function firstHeadExport(origin: string, signer: NoteSigner, receipts: readonly unknown[], lines: readonly string[]): Promise<string> {
  const leaves = receipts.map((r) => receiptHash(r as never));
  const head = {
    v: 2 as const, tenant_id: 'alpha', period_start: '2026-10-01T00:00:00.000Z', period_end: '2026-10-02T00:00:00.000Z',
    tree_size: leaves.length, root_b64url: b64uEncode(merkleRoot(leaves)), prev_tree_size: 0, prev_head_index: null,
  };
  const note = await signNote(formatCheckpoint(origin, 1, merkleRoot([tenantHeadHash(head)])), [signer]);
  const header = {
    v: 2, kind: 'aegislog-export', origin, tenant_head: head, head_index: 0, head_inclusion: { tree_size: 1, path_b64url: [] },
    prev_head: null, prev_head_index: null, prev_head_inclusion: null, frontier_b64url: [], checkpoint: note,
  };
  return `${JSON.stringify(header)}\n${lines.join('\n')}\n`;
}
