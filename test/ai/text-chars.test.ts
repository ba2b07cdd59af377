// textChars (src/ai/record.ts): the characters of text in each SDK's message shapes, behind `input_chars`; and the
// AI SDK middleware's own smaller form of it, promptChars (src/ai/ai-sdk.ts), which must count alike.
import { expect, test } from 'vitest';
import { promptChars } from '../../src/ai/ai-sdk.js';
import { textChars } from '../../src/ai/record.js';

test.each([
  ['a string prompt', 'hello', 5],
  ['chat messages with string content', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], 11],
  ['AI SDK parts: text counted, files not', [{ role: 'user', content: [{ type: 'text', text: 'abc' }, { type: 'file', data: 'xxxxxxxx' }] }], 3],
  ['Responses input items that carry their text themselves', [{ type: 'input_text', text: 'abcd' }, { role: 'user', content: 'ef' }], 6],
  ['a message without content (a tool call) and nulls', [{ role: 'assistant', content: null, tool_calls: [] }, null, undefined], 0],
  ['nothing', undefined, 0],
])('%s', (_what, messages, chars) => {
  expect(textChars(messages)).toBe(chars);
  expect(promptChars(messages)).toBe(chars);
});
