import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/protocol/index.js';

// cyberphone/json-canonicalization test data (vectors/README.md): input → exact output bytes.
const inputs = import.meta.glob<string>('../vectors/jcs/input/*.json', { eager: true, query: '?raw', import: 'default' });
const outputs = import.meta.glob<string>('../vectors/jcs/output/*.json', { eager: true, query: '?raw', import: 'default' });
const outhex = import.meta.glob<string>('../vectors/jcs/outhex/*.txt', { eager: true, query: '?raw', import: 'default' });

describe('RFC 8785 vectors', () => {
  const names = Object.keys(inputs).map((p) => p.split('/').pop()!.replace('.json', ''));
  it('has all six cases', () => expect(names.sort()).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']));
  for (const name of names) {
    it(name, () => {
      // Plain RFC 8785: values.json holds 1E30, which evidence refuses (PROTOCOL.md §1) but the RFC allows.
      const out = canonicalize(JSON.parse(inputs[`../vectors/jcs/input/${name}.json`]!), { safeIntegersOnly: false });
      expect(out).toBe(outputs[`../vectors/jcs/output/${name}.json`]);
      const hex = Array.from(new TextEncoder().encode(out), (b) => b.toString(16).padStart(2, '0')).join(' ');
      expect(hex).toBe(outhex[`../vectors/jcs/outhex/${name}.txt`]!.trim().toLowerCase().replace(/\s+/g, ' '));
    });
  }
});
