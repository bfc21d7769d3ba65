/** Prometheus label value escaping (backslash, quote, newline). */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Adds `instance="<LLM_PROXY__INSTANCE_ID>"` to every sample of a Prometheus text exposition, so
 * series from several gateways stay apart however they are collected.
 */
export function withInstanceLabel(text: string, instance: string): string {
  const label = `instance="${esc(instance)}"`;
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const brace = line.indexOf('{');
      const space = line.indexOf(' ');
      if (brace >= 0 && brace < space) return `${line.slice(0, brace + 1)}${label},${line.slice(brace + 1)}`;
      return `${line.slice(0, space)}{${label}}${line.slice(space)}`;
    })
    .join('\n');
}
