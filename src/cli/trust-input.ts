import { parsePolicy, type Policy } from '../tlog/policy.js';
import type { TrustOptions } from '../verify/index.js';
import { checkPolicyKeys } from '../verify/notes.js';
import { decodeUtf8, readBytes } from './input.js';
import { loadKeys } from './keys-input.js';
import { InputError, oneLine, type AuditorIO } from './run-checked.js';

export const TRUST_HELP = `  --policy FILE        a C2SP tlog-policy you trust: the log's note keys, the
                       witnesses and their quorum (PROTOCOL.md §4.5); receipts
                       verify under its ECDSA log key
  --now TIME           judge cosignature timestamps at this RFC 3339 time
                       instead of the clock (a cosignature from the future fails)`;

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-](\d\d):(\d\d))$/;

/** RFC 3339 §5.7's ranges, which Date.parse rolls over (02-30 is 03-02, 24:00 the next day) instead of refusing. */
function inRange(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // The Gregorian calendar repeats every 400 years: 2000 + year % 400 has the same leap years (and Date.UTC reads 0–99 as 19xx).
  const days = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  const offset = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59 && offset;
}

/** --key (pinned keys) and/or --policy (a tlog-policy): what the auditor trusts. One of the two is required. */
export async function loadTrust(
  values: { key?: string[] | undefined; policy?: string | undefined; now?: string | undefined },
  io: AuditorIO,
  command: string,
): Promise<TrustOptions> {
  if (!values.key?.length && values.policy === undefined) {
    throw new InputError(`--key or --policy is required: the key or the tlog-policy you trust (see aegislog ${command} --help)`);
  }
  const trust: TrustOptions = {};
  if (values.key?.length) trust.keys = await loadKeys(values.key, io, command);
  if (values.policy !== undefined) trust.policy = await loadPolicy(values.policy, io);
  if (values.now !== undefined) {
    const now = Date.parse(values.now);
    // RFC 3339 names its offset: without one, Date.parse would take the local time zone's.
    const fields = RFC3339.exec(values.now);
    if (!fields || !inRange(fields) || Number.isNaN(now)) throw new InputError(`--now ${values.now}: not an RFC 3339 time`);
    trust.now = now;
  }
  return trust;
}

async function loadPolicy(path: string, io: AuditorIO): Promise<Policy> {
  // Strictly: tlog-policy names are opaque octets, and a lenient decoder would turn two distinct non-UTF-8
  // names into the same U+FFFD and refuse them as duplicates, naming the wrong fault.
  const text = decodeUtf8(await readBytes(path, io), `--policy ${path}`);
  try {
    const policy = parsePolicy(text);
    await checkPolicyKeys(policy); // a key that verifies nothing is a bad policy (exit 2), not failed evidence
    return policy;
  } catch (error) {
    throw new InputError(`--policy ${path}: not a tlog-policy (${oneLine(error)})`);
  }
}
