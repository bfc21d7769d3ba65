/**
 * Keys that name a prototype rather than data: `{"__proto__": {...}}` would not be an own field.
 * `toString` and `valueOf` shadow what turns an object into text: `String({"toString": "x"})`
 * throws, and Elysia's validation message does just that with a value where a string belongs (a
 * 500 on every admin route).
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype', 'toString', 'valueOf']);

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
