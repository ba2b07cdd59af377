/**
 * `aegislog dev --witness URL=VKEY` and `--with-witness`: the witnesses a dev log
 * submits its checkpoints to, and a local one started beside it so that the demo's
 * checkpoints arrive cosigned, with the policy an auditor would pin.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesEqual } from '../protocol/index.js';
import { witnessKeyProblem } from '../tlog/policy.js';
import { NoteKeyType, parseVkey } from '../tlog/vkey.js';
import { generateNoteSigningKey } from '../verify/note-signers.js';
import { writeNoteKeyFile } from '../server/node.js';
import type { WitnessConfig } from '../server/node.js';
import type { CliIO } from './command.js';
import { UsageError } from './command.js';
import { startWitness, type RunningWitness } from './witness.js';

/** `URL=VKEY`: split at the first `=` after which a vkey parses (a vkey's base64 may itself end in `=`). */
export function witnessOption(text: string): WitnessConfig {
  for (let at = text.indexOf('='); at > 0; at = text.indexOf('=', at + 1)) {
    const [url, vkey] = [text.slice(0, at), text.slice(at + 1)];
    let key;
    try {
      key = parseVkey(vkey);
      // A witness's name is a schemeless URL: "witness.example:8443/w1" parses as a URL of scheme "witness.example:".
      if (!/^https?:$/.test(new URL(url).protocol)) continue;
    } catch {
      continue; // try the next '='
    }
    // The log's own vkey pasted (0x01, 0x02): refused here, as the server would refuse it, before it lands in a policy.
    const problem = witnessKeyProblem(key, []);
    if (problem) throw new UsageError(`--witness ${text}: ${problem}`);
    return { url, vkey };
  }
  throw new UsageError(`--witness ${text} is not URL=VKEY (the witness's submission prefix and its vkey)`);
}

/** A witness for this log in DIR/witness (its key made once, mode 0600), on a free port of `host`. */
export async function startLocalWitness(dataDir: string, host: string, origin: string, logVkeys: readonly string[], io: CliIO): Promise<RunningWitness> {
  const dir = join(dataDir, 'witness');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'witness.key');
  if (!existsSync(keyFile)) {
    const key = await generateNoteSigningKey(`${origin}/witness`, NoteKeyType.CosignatureV1);
    await writeNoteKeyFile(keyFile, [key], { comment: `the local witness of ${origin} (aegislog dev --with-witness)` });
  }
  const logs = join(dir, 'log.vkeys');
  await writeFile(logs, logVkeys.map((v) => `${v}\n`).join(''));
  return startWitness({ keyFile, logs, dataDir: dir, host, port: 0, prefix: '', store: 'sqlite', sync: 'full' }, io);
}

/** A witness key given twice (by --witness, or as the local witness too): the policy would list it twice, which no tlog-policy reader takes. */
export function refuseRepeatedWitness(witnesses: readonly WitnessConfig[]): void {
  const keys = witnesses.map((w) => parseVkey(w.vkey).key);
  for (const [j, w] of witnesses.entries()) {
    const i = keys.findIndex((k) => bytesEqual(k, keys[j]!));
    if (i < j) throw new UsageError(`--witness ${w.url}=${w.vkey} is the witness key of --witness ${witnesses[i]!.url} already: give each witness once`);
  }
}

/** The tlog-policy an auditor pins for this log: its two note keys, the witnesses, and a quorum of all of them. */
export function policyText(logVkeys: readonly string[], witnesses: readonly WitnessConfig[]): string {
  const names = witnesses.map((_, i) => `w${i + 1}`);
  const lines = [
    ...logVkeys.map((v) => `log ${v}`),
    ...witnesses.map((w, i) => `witness ${names[i]} ${w.vkey} ${w.url}`),
    names.length === 0 ? 'quorum none' : names.length === 1 ? `quorum ${names[0]}` : `group all-witnesses all ${names.join(' ')}\nquorum all-witnesses`,
  ];
  return `${lines.join('\n')}\n`;
}
