/** The gateway binary the benches measure: ./gophergate, rebuilt when older than its sources. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '..', '..');
export const BINARY = join(ROOT, 'gophergate');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Builds ./gophergate when it is missing or older than the sources it is made from. */
export function ensureBinary(progress: (m: string) => void): void {
  const stale = !existsSync(BINARY) || ['src', 'web', 'drizzle'].some((d) => existsSync(join(ROOT, d)) && newestSourceMtime(join(ROOT, d)) > statSync(BINARY).mtimeMs);
  if (!stale) return;
  progress('building ./gophergate (bun run build)');
  // Build output goes to stderr so `--json` leaves stdout as one JSON document.
  const r = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' });
  process.stderr.write(r.stdout);
  if (r.exitCode !== 0) throw new Error('bun run build failed');
}
