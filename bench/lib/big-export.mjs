// A version-2 period export of any size written to a file without holding it: the
// receipts are made from their index (the same each pass), a first pass hashes them
// into a streaming RFC 9162 tree (for the head's root; only log n subtree roots kept),
// and a second writes the header and the lines. For the 10^7-receipt audit of
// cli-audit-bench.mjs, which must show the audit's memory stays bounded.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { b64uEncode, formatTime, inclusionProof, merkleRoot, tenantHeadHash } from '../../dist/esm/verify.js';
import { ORIGIN, signCheckpoint } from './verify-fixtures-v2.mjs';
import { PERIOD_END, PERIOD_START } from './verify-fixtures.mjs';

const sha = (data) => createHash('sha256').update(data).digest();
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** RFC 9162 root, one leaf at a time: the perfect subtrees so far, largest first. */
class StreamingTree {
  stack = [];
  size = 0;
  add(data) {
    this.stack.push(createHash('sha256').update(LEAF).update(data).digest());
    this.size++;
    for (let n = this.size; n % 2 === 0; n /= 2) {
      const right = this.stack.pop();
      const left = this.stack.pop();
      this.stack.push(createHash('sha256').update(NODE).update(left).update(right).digest());
    }
  }
  root() {
    if (this.stack.length === 0) return sha(Buffer.alloc(0));
    let r = this.stack.at(-1);
    for (let j = this.stack.length - 2; j >= 0; j--) r = createHash('sha256').update(NODE).update(this.stack[j]).update(r).digest();
    return r;
  }
}

/** Line `i` of tenant `bench.eu`'s log: its statement's JCS text (the receipt hash is its SHA-256) and its export line. */
function receipt(i, total, kid, signature) {
  const step = Math.max(1, Math.floor((PERIOD_END - PERIOD_START - 1) / total));
  const digest = Buffer.alloc(32);
  digest.writeUInt32BE(i, 0);
  const d = b64uEncode(digest);
  const e = `evt-${String(i).padStart(9, '0')}`;
  const t = formatTime(PERIOD_START + i * step);
  const jcs = `{"digest_b64url":"${d}","event_id":"${e}","key_id":"${kid}","received_at":"${t}","signing_alg":"ECDSA_SHA_256","tenant_id":"bench.eu","v":1}`;
  const line = `{"v":1,"tenant_id":"bench.eu","event_id":"${e}","digest_b64url":"${d}","received_at":"${t}","key_id":"${kid}","signing_alg":"ECDSA_SHA_256","ok":true,"trace_id":"tr-${i}","signature_b64url":"${signature}","leaf_index":${i}}\n`;
  return { jcs, line };
}

/** Writes the export of `n` receipts (the tenant's first head: an empty frontier) to `path`; resolves to its size in bytes. */
export async function writeBigExport(path, key, keys, n) {
  const signature = 'MEUCIQCJkERK6pkDrsPHl2wmDaXgaOFcPkAswjkEbUI2ISRQGwIgTGIMGtZS2caXhJ5lsg44RF20O-AX9UCUp0YkQPBis1Y'; // not checked without --signatures
  const tree = new StreamingTree();
  for (let i = 0; i < n; i++) tree.add(sha(receipt(i, n, key.kid, signature).jcs));
  const tenant_head = {
    v: 2, tenant_id: 'bench.eu', period_start: formatTime(PERIOD_START), period_end: formatTime(PERIOD_END),
    tree_size: n, root_b64url: b64uEncode(tree.root()), prev_tree_size: 0, prev_head_index: null,
  };
  const heads = [tenantHeadHash(tenant_head)];
  const header = {
    v: 2, kind: 'aegislog-export', origin: ORIGIN, tenant_head, head_index: 0,
    head_inclusion: { tree_size: 1, path_b64url: inclusionProof(0, heads).map(b64uEncode) },
    prev_head: null, prev_head_index: null, prev_head_inclusion: null, frontier_b64url: [],
    checkpoint: await signCheckpoint(keys, 1, merkleRoot(heads)),
  };
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  };
  await write(`${JSON.stringify(header)}\n`);
  let parts = [];
  for (let i = 0; i < n; i++) {
    parts.push(receipt(i, n, key.kid, signature).line);
    if (parts.length === 4096) {
      await write(parts.join(''));
      parts = [];
    }
  }
  if (parts.length) await write(parts.join(''));
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
  return bytes;
}
