/** `--name value` / `--name=value` flags for the bench scripts. */
export function flag(name: string, fallback: string): string;
export function flag(name: string): string | undefined;
export function flag(name: string, fallback?: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? fallback;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return fallback;
}

/** `--rows 10m`, `--rows 100k`, `--rows 5000`. */
export function count(name: string, fallback: number): number {
  const v = flag(name);
  if (v === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(v.replace(/_/g, ''));
  if (!m) throw new Error(`--${name} must be a number like 100000, 100k or 10m`);
  return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1e6 : m[2]?.toLowerCase() === 'k' ? 1e3 : 1));
}
