// subtreeV1Message is public (aegislog/verify): the cosigner name and the origin are signed behind a length
// byte, so what is not a string must be refused (ERR_NOTE_INVALID naming the field), not encoded as the text
// "undefined" or "42", which gives a message that no cosigner signed.
import { describe, expect, it } from 'vitest';
import { subtreeV1Message, type SubtreeMessage } from '../../src/tlog/cosignature.js';

const good: SubtreeMessage = { cosigner: 'w.example', timestamp: 1_700_000_000, origin: 'log.example', start: 0, end: 5, hash: new Uint8Array(32) };

describe('subtreeV1Message of a name or origin that is not a string', () => {
  for (const field of ['cosigner', 'origin'] as const) {
    for (const value of [undefined, null, 42, ['log.example']]) {
      it(`refuses ${field} ${JSON.stringify(value) ?? 'undefined'} with ERR_NOTE_INVALID`, () => {
        expect(() => subtreeV1Message({ ...good, [field]: value as unknown as string })).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field }));
      });
    }
  }

  for (const value of [undefined, null, 5, 'subtree']) {
    it(`refuses a message that is ${JSON.stringify(value) ?? 'undefined'}, not an object, with ERR_NOTE_INVALID`, () => {
      expect(() => subtreeV1Message(value as never)).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field: 'message', message: 'the subtree message must be an object' }));
    });
  }

  it('still builds the message of strings', () => {
    expect(subtreeV1Message(good).length).toBe(12 + 1 + 9 + 8 + 1 + 11 + 8 + 8 + 32);
  });
});
