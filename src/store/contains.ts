/**
 * JSON containment, the semantics of the list's `metadata` filter and of PostgreSQL's
 * `jsonb @>`: objects match when every property of the filter is contained in the same
 * property of the value; arrays when every element of the filter is contained in some
 * element of the value; scalars when equal.
 */
export function contains(value: unknown, filter: unknown): boolean {
  if (Array.isArray(filter)) {
    return Array.isArray(value) && filter.every((f) => value.some((v) => contains(v, f)));
  }
  if (isObject(filter)) {
    return isObject(value) && Object.keys(filter).every((k) => Object.hasOwn(value, k) && contains(value[k], filter[k]));
  }
  return value === filter;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One indexable fact about a JSON document: at `path` there is `value`. */
export interface JsonFact {
  path: string;
  value: string;
}

/**
 * Flattens a JSON object into facts that an index can look up: a scalar leaf is its JSON
 * text, an object or array node is marked `{}` / `[]`, and array elements sit under the
 * path segment `null`. A document contains a filter only if it has every fact of the filter,
 * so an index lookup narrows the candidates and `contains` confirms them.
 */
export function jsonFacts(doc: Record<string, unknown>, prefix: (string | null)[] = []): JsonFact[] {
  const facts: JsonFact[] = [];
  const visit = (node: unknown, path: (string | null)[]) => {
    if (Array.isArray(node)) {
      facts.push({ path: JSON.stringify(path), value: '[]' });
      for (const el of node) visit(el, [...path, null]);
    } else if (isObject(node)) {
      facts.push({ path: JSON.stringify(path), value: '{}' });
      for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
    } else {
      facts.push({ path: JSON.stringify(path), value: JSON.stringify(node) });
    }
  };
  for (const [k, v] of Object.entries(doc)) visit(v, [...prefix, k]);
  // [1, 1] yields the same fact twice; an index wants each once.
  const seen = new Set<string>();
  return facts.filter((f) => {
    const key = `${f.path}\u0000${f.value}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
