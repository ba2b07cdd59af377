/**
 * An independent reading of PROTOCOL.md §6 for the server's own tests: it checks
 * v2 bundles and exports from the spec's primitives (RFC 9162 proofs, the signed
 * note, the receipt signature), not through aegislog/verify, so a server test
 * cannot pass on a bug that the verifier shares.
 */
import {
  b64uDecode, b64uEncode, canonicalBytes, eventDigest, receiptStatementOf, sha256, tenantHeadHash,
  type EvidenceBundle, type ExportHeader, type ExportLine,
} from '../../src/protocol/index.js';
import { leafHash, nodeHash, verifyInclusion } from '../../src/tlog/merkle.js';
import { createTreeBuilder } from '../../src/tlog/tree-builder.js';
import { verifySignature, type KeyInput } from '../../src/verify/index.js';
import { verifyNote } from '../../src/verify/notes.js';

export interface Trust {
  receiptKeys: KeyInput;
  /** The log's vkeys (`/.well-known/aegislog/vkeys`). */
  vkeys: string[];
}

const hashes = (path: string[]) => path.map((p) => b64uDecode(p));

/** Every §6.1 check a key holder can make, each true or the reason it fails. */
export async function checkBundle(b: EvidenceBundle, trust: Trust): Promise<Record<string, true | string>> {
  const out: Record<string, true | string> = {};
  const statement = canonicalBytes(receiptStatementOf(b.receipt));
  out.digest = b64uEncode(eventDigest(b.event)) === b.receipt.digest_b64url || 'digest differs';
  out.receipt_signature = (await verifySignature({ key: trust.receiptKeys, kid: b.receipt.key_id, signature: b.receipt.signature_b64url, message: statement })) || 'bad receipt signature';
  if (b.status !== 'sealed') return out;
  const head = b.tenant_head!;
  out.inclusion =
    (b.inclusion!.tree_size === head.tree_size &&
      verifyInclusion({ leafHash: leafHash(sha256(statement)), index: b.leaf_index, treeSize: head.tree_size, proof: hashes(b.inclusion!.path_b64url), root: b64uDecode(head.root_b64url) })) ||
    'inclusion fails';
  out.period =
    (b.receipt.received_at >= head.period_start && b.receipt.received_at < head.period_end && head.prev_tree_size <= b.leaf_index && b.leaf_index < head.tree_size && head.tenant_id === b.receipt.tenant_id) ||
    'period or leaf index outside the head';
  const note = await verifyNote(b.checkpoint!, { logs: trust.vkeys }, { origin: b.origin });
  out.checkpoint_signature = note.logSignature.status === 'passed' || `note: ${note.logSignature.reason}`;
  out.head_inclusion =
    (note.checkpoint !== undefined &&
      b.head_inclusion!.tree_size === note.checkpoint.size &&
      verifyInclusion({ leafHash: leafHash(tenantHeadHash(head)), index: b.head_index!, treeSize: note.checkpoint.size, proof: hashes(b.head_inclusion!.path_b64url), root: note.checkpoint.root })) ||
    'head inclusion fails';
  return out;
}

/** True when every check passed; else the failures. */
export async function bundleProblems(b: EvidenceBundle, trust: Trust): Promise<string[]> {
  return Object.entries(await checkBundle(b, trust)).filter(([, v]) => v !== true).map(([k, v]) => `${k}: ${v}`);
}

/** §6.2 audit of an export's text: every problem found (an empty list is a pass). */
export async function exportProblems(text: string, trust: Trust): Promise<string[]> {
  const [first, ...rest] = text.trim().split('\n');
  const header = JSON.parse(first!) as ExportHeader;
  const lines = rest.filter(Boolean).map((l) => JSON.parse(l) as ExportLine);
  const problems: string[] = [];
  const note = await verifyNote(header.checkpoint, { logs: trust.vkeys }, { origin: header.origin });
  if (note.logSignature.status !== 'passed') problems.push(`note: ${note.logSignature.reason}`);
  const proves = (head: NonNullable<ExportHeader['tenant_head']>, index: number, proof: NonNullable<ExportHeader['head_inclusion']>) =>
    note.checkpoint !== undefined &&
    verifyInclusion({ leafHash: leafHash(tenantHeadHash(head)), index, treeSize: note.checkpoint.size, proof: hashes(proof.path_b64url), root: note.checkpoint.root });
  const head = header.tenant_head;
  if (head && !proves(head, header.head_index!, header.head_inclusion!)) problems.push('head inclusion fails');
  if (header.prev_head && !proves(header.prev_head, header.prev_head_index!, header.prev_head_inclusion!)) problems.push('previous head inclusion fails');
  const frontier = hashes(header.frontier_b64url);
  const from = header.prev_head?.tree_size ?? 0;
  if (from > 0) {
    let folded = frontier.at(-1)!;
    for (let j = frontier.length - 2; j >= 0; j--) folded = nodeHash(frontier[j]!, folded);
    if (b64uEncode(folded) !== header.prev_head!.root_b64url) problems.push('frontier does not fold to the previous root');
  } else if (frontier.length !== 0) problems.push('frontier of an empty log is not empty');
  const tree = createTreeBuilder({ size: from, frontier });
  lines.forEach((line, i) => {
    if (line.leaf_index !== from + i) problems.push(`line ${i + 1}: leaf_index ${line.leaf_index}, expected ${from + i}`);
    if (head && !(line.received_at >= head.period_start && line.received_at < head.period_end)) problems.push(`line ${i + 1}: received_at outside the period`);
    if (line.event && b64uEncode(eventDigest(line.event)) !== line.digest_b64url) problems.push(`line ${i + 1}: event digest differs`);
    tree.add32(sha256(canonicalBytes(receiptStatementOf(line))));
  });
  if (head) {
    if (from + lines.length !== head.tree_size) problems.push(`${lines.length} lines for entries [${from}, ${head.tree_size})`);
    if (b64uEncode(tree.root()) !== head.root_b64url) problems.push('the lines do not give the head root');
  }
  return problems;
}
