/**
 * The component benches owned by the usage and routing work (log writer, dashboard queries,
 * routing decision), run as child processes so their figures land in the same report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface SubBench {
  name: string;
  script: string;
  status: 'ok' | 'failed' | 'missing' | 'timeout';
  seconds: number;
  /** The script's own output lines (its figures). */
  output: string[];
  /** Set when the script printed a JSON object as its last line. */
  json?: unknown;
}

// Small sizes keep the whole bench to minutes; the scripts' own defaults (100k records, 10M rows)
// are for their dedicated runs.
const SCRIPTS = [
  { name: 'log writer', script: 'bench/log-writer.ts', args: ['--rows', '100k'], quickArgs: ['--rows', '5k'] },
  { name: 'dashboard queries', script: 'bench/dashboard-queries.ts', args: ['--rows', '1m'], quickArgs: ['--rows', '20k'] },
  { name: 'routing decision', script: 'bench/routing-decision.ts', args: [], quickArgs: [] },
];

async function runOne(root: string, name: string, script: string, args: string[], timeoutMs: number): Promise<SubBench> {
  const path = join(root, script);
  if (!existsSync(path)) return { name, script, status: 'missing', seconds: 0, output: [] };
  const t0 = performance.now();
  const proc = Bun.spawn(['bun', path, ...args], {
    cwd: root,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), proc.kill('SIGKILL')), timeoutMs);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  const output = out.split('\n').filter((l) => l.trim());
  const seconds = (performance.now() - t0) / 1000;
  let json: unknown;
  try {
    const last = output.at(-1);
    if (last?.startsWith('{')) json = JSON.parse(last);
  } catch {}
  if (timedOut) return { name, script, status: 'timeout', seconds, output };
  if (code !== 0) return { name, script, status: 'failed', seconds, output: [...output, ...err.split('\n').filter((l) => l.trim()).slice(-5)] };
  return { name, script, status: 'ok', seconds, output, json };
}

export async function runSubBenches(root: string, quick: boolean, progress: (m: string) => void): Promise<SubBench[]> {
  const out: SubBench[] = [];
  for (const s of SCRIPTS) {
    progress(`component bench: ${s.script}`);
    out.push(await runOne(root, s.name, s.script, quick ? s.quickArgs : s.args, quick ? 30_000 : 180_000));
  }
  return out;
}
