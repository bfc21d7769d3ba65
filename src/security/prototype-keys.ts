/** Keys that name a prototype rather than data: `{"__proto__": {...}}` would not be an own field. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path (`settings.__proto__`) of the first key of `value` that names a prototype, at any
 * depth, or null. JSON.parse keeps `"__proto__"` as an own key, but Elysia's body check copies
 * fields by assignment, so `{"__proto__":{"name":"x"}}` would read as `{name: "x"}`.
 */
export function prototypeKeyPath(value: unknown): string | null {
  // Iterative, so a body nested thousands deep cannot overflow the stack.
  const todo: [unknown, string][] = [[value, '']];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [v, path] = next;
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k;
      if (PROTOTYPE_KEYS.has(k)) return here;
      todo.push([child, here]);
    }
  }
  return null;
}
