// The auditor page (demo/auditor) reads dropped or pasted evidence with parseEvidenceText: a bundle
// or history that gives a member name twice is a problem naming the object and member, never an
// item to verify (JSON.parse would keep the last value, another reader the first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvidenceText } from '../../demo/auditor/inputs.js';
import { withDuplicate } from './helpers/duplicate.js';

const V2 = join(import.meta.dirname, '../vectors/aegislog-v2');
const json = (path: string): unknown => JSON.parse(readFileSync(join(V2, path), 'utf8'));
const twice = (path: string, name: string) => `${path} has the member "${name}" twice`;

describe('parseEvidenceText: a member name twice', () => {
  const bundle = json('bundles/acme-bank-p4-leaf256.json');

  it.each([true, false])('in a bundle is a problem, not an item (forged first: %s)', (forgedFirst) => {
    const text = withDuplicate(bundle, ['receipt'], 'digest_b64url', 'A'.repeat(43), forgedFirst);
    const result = parseEvidenceText(text, 'bundle.json');
    expect(result.items).toEqual([]);
    expect(result.problems).toEqual([expect.stringContaining(`bundle.json: ${twice('$.receipt', 'digest_b64url')}`)]);
  });

  it('in one NDJSON line: the file is refused, naming that line, as `aegislog verify` refuses it', () => {
    const text = `${JSON.stringify(bundle)}\n${withDuplicate(bundle, ['event', 'model_context'], 'model_id', 'risk-v5')}\n`;
    const result = parseEvidenceText(text, 'b.ndjson');
    expect(result.items).toEqual([]);
    expect(result.problems).toEqual([expect.stringContaining(`b.ndjson line 2: ${twice('$.event.model_context', 'model_id')}`)]);
  });

  it('in a history', () => {
    const history = json('histories/history-range.json') as { checkpoints: { note: string }[] };
    const result = parseEvidenceText(withDuplicate(history, ['checkpoints', 1], 'note', history.checkpoints[0]!.note), 'h.json');
    expect(result.items).toEqual([]);
    expect(result.problems).toEqual([expect.stringContaining(twice('$.checkpoints[1]', 'note'))]);
  });

  it('the same texts without the duplicate are items', () => {
    expect(parseEvidenceText(JSON.stringify(bundle), 'bundle.json')).toMatchObject({ items: [{ kind: 'bundle' }], problems: [] });
  });
});
