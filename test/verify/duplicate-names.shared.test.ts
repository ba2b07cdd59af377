// findDuplicateName finds a member name given twice in one object of a JSON text, at any depth,
// comparing names as JSON.parse reads them, and names the object by its JSONPath; parseStrictJson
// refuses such a text. The same name in sibling or nested objects is no duplicate.
import { describe, expect, it } from 'vitest';
import { DuplicateNameError, findDuplicateName, parseStrictJson } from '../../src/protocol/duplicate-names.js';

describe('findDuplicateName', () => {
  it('finds nothing in JSON without a duplicate, whatever its shape', () => {
    for (const text of ['1', '"a"', 'null', '[]', '{}', '[1,"x",{"a":1}]', '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', ' { "a" : "a" , "b" : "a" } ']) {
      expect(findDuplicateName(text), text).toBeUndefined();
    }
  });

  it('allows the same name in sibling objects and in an object and its child', () => {
    expect(findDuplicateName('[{"d":1},{"d":2}]')).toBeUndefined();
    expect(findDuplicateName('{"d":{"d":{"d":1}}}')).toBeUndefined();
    expect(findDuplicateName('{"x":{"d":1},"y":{"d":2}}')).toBeUndefined();
  });

  it('finds a name twice at the top', () => {
    expect(findDuplicateName('{"digest_b64url":"AAAA","v":2,"digest_b64url":"BBBB"}')).toEqual({ path: '$', name: 'digest_b64url' });
  });

  it('finds a name twice in a nested object, naming the object by its path', () => {
    expect(findDuplicateName('{"receipt":{"ok":true,"event":{"decision":"approved","x":1,"decision":"denied"}}}'))
      .toEqual({ path: '$.receipt.event', name: 'decision' });
  });

  it('finds a name twice in an object inside arrays, with the indexes', () => {
    expect(findDuplicateName('{"checkpoints":[{"note":"a"},{"note":"b","tree_size":1,"note":"c"}]}')).toEqual({ path: '$.checkpoints[1]', name: 'note' });
    expect(findDuplicateName('[[1,2],[3,{"a":[{}],"b":1,"b":2}]]')).toEqual({ path: '$[1][1]', name: 'b' });
  });

  it('compares names after unescaping: "a" and "\\u0061" are one name', () => {
    expect(findDuplicateName('{"a":1,"\\u0061":2}')).toEqual({ path: '$', name: 'a' });
    expect(findDuplicateName('{"a\\"b":1,"a\\u0022b":2}')).toEqual({ path: '$', name: 'a"b' });
    expect(findDuplicateName('{"\\ud83d\\ude00":1,"😀":2}')).toEqual({ path: '$', name: '😀' });
    expect(findDuplicateName('{"a\\\\":1,"a\\u005c":2}')).toEqual({ path: '$', name: 'a\\' });
  });

  it('does not take strings that are values, or look like JSON, for names', () => {
    expect(findDuplicateName('{"a":"a","b":"a"}')).toBeUndefined();
    expect(findDuplicateName('{"a":"{\\"x\\":1,\\"x\\":2}","b":["a","a"]}')).toBeUndefined();
    expect(findDuplicateName('{"a":"},{\\"a\\":","b":1}')).toBeUndefined();
  });

  it('ends strings right after runs of backslashes, escaped quotes and long values', () => {
    for (const value of ['x\\', 'x\\\\', 'x\\"y', '"', '\\"\\', 'a'.repeat(10_000), `${'\\'.repeat(33)}"`]) {
      const text = `{"s":${JSON.stringify(value)},"a":1,"t":${JSON.stringify(value)},"a":2}`;
      expect(findDuplicateName(text), text).toEqual({ path: '$', name: 'a' });
      expect(findDuplicateName(`{"s":${JSON.stringify(value)},"a":1}`), text).toBeUndefined();
    }
  });

  it('finds a duplicate among many members, and none among many distinct ones', () => {
    const many = Array.from({ length: 100 }, (_, i) => `"m${i}":${i}`);
    expect(findDuplicateName(`{${many.join(',')}}`)).toBeUndefined();
    expect(findDuplicateName(`{${many.join(',')},"m3":0}`)).toEqual({ path: '$', name: 'm3' });
    expect(findDuplicateName(`{"m99":0,${many.join(',')}}`)).toEqual({ path: '$', name: 'm99' });
  });

  it('forgets the names of an object once it closes, at every depth', () => {
    expect(findDuplicateName('{"a":{"x":1,"y":2},"b":{"x":1,"y":2},"c":[{"x":1},{"x":{"x":1}}]}')).toBeUndefined();
    expect(findDuplicateName('{"a":{"x":1},"b":{"y":1,"y":2}}')).toEqual({ path: '$.b', name: 'y' });
  });

  it('names members that are not identifiers in brackets', () => {
    expect(findDuplicateName('{"a b":{"c":1,"c":1}}')).toEqual({ path: '$["a b"]', name: 'c' });
  });

  it('reads any depth without recursion', () => {
    const depth = 100_000;
    expect(findDuplicateName(`${'['.repeat(depth)}{"a":1,"a":2}${']'.repeat(depth)}`)).toEqual({ path: `$${'[0]'.repeat(depth)}`, name: 'a' });
    const objects = `${'{"o":['.repeat(depth / 2)}{"a":1,"a":2}${']}'.repeat(depth / 2)}`;
    expect(findDuplicateName(objects)).toEqual({ path: `$${'.o[0]'.repeat(depth / 2)}`, name: 'a' });
    expect(findDuplicateName(objects.replace('"a":2', '"b":2'))).toBeUndefined();
  });

  it('ends without throwing on text that is not JSON', () => {
    for (const text of ['{"a', '{"a":1,"a', '}}]]', '{"a\\', '"']) expect(() => findDuplicateName(text)).not.toThrow();
  });
});

describe('parseStrictJson', () => {
  it('parses JSON without a duplicate as JSON.parse does', () => {
    expect(parseStrictJson('{"a":{"b":[1,{"b":2}]}}')).toEqual({ a: { b: [1, { b: 2 }] } });
  });

  it('refuses a duplicate, with a typed error naming the object and the member', () => {
    let error: unknown;
    try {
      parseStrictJson('{"event":{"decision":"approved","decision":"denied"}}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DuplicateNameError);
    expect((error as DuplicateNameError).found).toEqual({ path: '$.event', name: 'decision' });
    expect((error as Error).message).toMatch(/^\$\.event has the member "decision" twice/);
  });

  it('throws SyntaxError for text that is not JSON', () => {
    expect(() => parseStrictJson('{"a":1,"a"')).toThrow(SyntaxError);
  });
});
