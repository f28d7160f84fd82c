import { describe, expect, it } from 'vitest';
import { contains, jsonFacts } from '../../src/store/contains.js';

describe('contains (the metadata filter, jsonb @> semantics)', () => {
  const doc = { a: 1, s: 'x', n: null, o: { p: { q: true }, r: [1, 2] }, list: [{ id: 1, tag: 'x' }, { id: 2 }] };
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [{ a: '1' }, false],
    [{ a: 1, s: 'x' }, true],
    [{ a: 1, s: 'y' }, false],
    [{ n: null }, true],
    [{ missing: null }, false],
    [{ o: {} }, true],
    [{ o: { p: { q: true } } }, true],
    [{ o: { p: { q: false } } }, false],
    [{ o: { r: [2] } }, true],
    [{ o: { r: [3] } }, false],
    [{ o: { r: [] } }, true],
    [{ list: [{ id: 1, tag: 'x' }] }, true],
    [{ list: [{ id: 2, tag: 'x' }] }, false], // no single element has both
    [{ a: {} }, false],
    [{ s: [] }, false],
  ])('%j → %s', (filter, expected) => {
    expect(contains(doc, filter)).toBe(expected);
  });

  it('does not see inherited properties', () => {
    expect(contains({}, { toString: {} })).toBe(false);
    expect(contains(JSON.parse('{"__proto__": {"x": 1}}'), JSON.parse('{"__proto__": {"x": 1}}'))).toBe(true);
  });
});

describe('jsonFacts (what the SQLite index stores)', () => {
  it('a document has every fact of any filter it contains', () => {
    const doc = { a: 1, o: { p: 'x' }, r: [1, { k: 2 }] };
    const docFacts = new Set(jsonFacts(doc).map((f) => `${f.path}=${f.value}`));
    for (const filter of [{ a: 1 }, { o: {} }, { o: { p: 'x' } }, { r: [1] }, { r: [{ k: 2 }] }, { r: [] }]) {
      expect(contains(doc, filter)).toBe(true);
      for (const f of jsonFacts(filter)) expect(docFacts.has(`${f.path}=${f.value}`), JSON.stringify(f)).toBe(true);
    }
  });

  it('keeps keys with dots and quotes apart', () => {
    const paths = jsonFacts({ 'a.b': 1, a: { b: 1 } }).map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('lists a repeated array element once', () => {
    expect(jsonFacts({ r: [1, 1] })).toEqual([
      { path: '["r"]', value: '[]' },
      { path: '["r",null]', value: '1' },
    ]);
  });
});
