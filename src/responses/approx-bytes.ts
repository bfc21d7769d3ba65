/**
 * About how many bytes a JSON-shaped value holds in memory: its strings' lengths plus a little per
 * value. An estimate for bounding what is kept in memory by size (no cycles: walked to the end).
 */
export function approxBytes(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length + 16;
    else if (v === null || typeof v !== 'object') n += 8;
    else if (Array.isArray(v)) {
      n += 16;
      for (const e of v) stack.push(e);
    } else {
      n += 16;
      for (const k in v) {
        n += k.length + 8;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return n;
}
