import type { CheckpointV1, InclusionProofV1, TenantHeadV1 } from '../protocol/index.js';
import { isPlainObject as isObject } from '../schema/index.js';
import { parseJson, readText, sourceName } from './input.js';
import { InputError, type AuditorIO } from './run-checked.js';

/** A tenant head with its proof into the global root: what `GET /head` answers, and part of every sealed evidence bundle. */
export interface HeadAnchor {
  tenant_head: TenantHeadV1;
  tenant_inclusion: InclusionProofV1;
}

export interface CheckpointsFile {
  checkpoints: CheckpointV1[];
  heads: HeadAnchor[];
}

/**
 * Reads a checkpoints file: what `GET /checkpoints` answers (`{"checkpoints":[…]}`)
 * or a bare array of checkpoints, optionally with `"tenant_heads": [{tenant_head,
 * tenant_inclusion}, …]`. Shapes are checked here only as far as needed to say
 * what is wrong in words; the verifier checks every byte.
 */
export async function readCheckpointsFile(path: string, io: AuditorIO): Promise<CheckpointsFile> {
  const where = sourceName(path);
  const doc = parseJson(await readText(path, io), where);
  const list = Array.isArray(doc) ? doc : isObject(doc) ? doc.checkpoints : undefined;
  if (!Array.isArray(list)) throw new InputError(`${where}: expected {"checkpoints": [...]} (GET /checkpoints) or an array of checkpoints`);
  list.forEach((c, i) => {
    if (!isObject(c) || typeof c.period_start !== 'string' || typeof c.signature_b64url !== 'string') {
      throw new InputError(`${where}: checkpoints[${i}] is not a signed checkpoint`);
    }
  });
  const heads = isObject(doc) && doc.tenant_heads !== undefined ? headAnchors(doc.tenant_heads, `${where}: tenant_heads`) : [];
  return { checkpoints: list as CheckpointV1[], heads };
}

/** Reads a `--head` file: the answer of `GET /head`, or any sealed evidence bundle of the tenant and period. */
export async function readHeadFile(path: string, io: AuditorIO): Promise<HeadAnchor> {
  const where = sourceName(path);
  return headAnchors([parseJson(await readText(path, io), where)], where)[0]!;
}

function headAnchors(value: unknown, where: string): HeadAnchor[] {
  if (!Array.isArray(value)) throw new InputError(`${where} must be an array`);
  return value.map((entry, i) => {
    const at = value.length > 1 ? `${where}[${i}]` : where;
    if (!isObject(entry) || !isObject(entry.tenant_head) || !isObject(entry.tenant_inclusion)) {
      throw new InputError(`${at}: expected {"tenant_head", "tenant_inclusion"} (GET /head, or a sealed evidence bundle)`);
    }
    const head = entry.tenant_head;
    if (typeof head.tenant_id !== 'string' || typeof head.period_start !== 'string') throw new InputError(`${at}: tenant_head lacks tenant_id or period_start`);
    return { tenant_head: head as unknown as TenantHeadV1, tenant_inclusion: entry.tenant_inclusion as unknown as InclusionProofV1 };
  });
}
