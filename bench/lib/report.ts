/** Turns the measurements into the printed tables and the target verdicts. */
import type { ColdStart } from './cold-start';
import type { ScenarioResult } from './scenarios';
import type { SubBench } from './sub-benches';
import type { TtfbStats } from './ttfb';

export interface LogCheck {
  /** Under wrk: rows must lie between the answered and the sent count. */
  load: { sent: number; answered: number; rows: number; drainMs: number; exitCode: number | null };
  /** Fixed count, every request awaited, SIGTERM right after: rows must equal sent. */
  exact: { sent: number; ok: number; rows: number; byStatus: Record<string, number>; drainMs: number; exitCode: number | null };
}

export interface BenchReport {
  meta: Record<string, unknown>;
  scenarios: ScenarioResult[];
  ttfb: Record<string, TtfbStats>;
  coldStart: ColdStart;
  logs: LogCheck;
  subBenches: SubBench[];
}

export interface Verdict {
  target: string;
  value: string;
  ok: boolean;
}

const f = (n: number, d = 2) => n.toFixed(d);
const pad = (s: string, n: number) => s.padStart(n);

export function verdicts(r: BenchReport): Verdict[] {
  const v: Verdict[] = [];
  for (const s of r.scenarios) {
    const gw = s.targets.gateway!;
    const fw = s.targets.forwarder!;
    const ratio = gw.rps / fw.rps;
    v.push({ target: `${s.name}: RPS >= 0.90 x forwarder`, value: f(ratio), ok: ratio >= 0.9 });
    const added = gw.p50Ms - fw.p50Ms;
    v.push({ target: `${s.name}: added p50 <= 0.2 ms`, value: `${f(added, 3)} ms`, ok: added <= 0.2 });
  }
  const ttfbAdded = r.ttfb.gateway!.p50Ms - r.ttfb.direct!.p50Ms;
  v.push({ target: 'stream TTFB over direct <= 1 ms (p50)', value: `${f(ttfbAdded, 3)} ms`, ok: ttfbAdded <= 1 });
  const rss = r.scenarios.filter((s) => s.connections === 64).map((s) => s.gatewayPeakRssMiB ?? Infinity);
  const peak = Math.max(...rss);
  v.push({ target: 'gateway peak RSS at c64 <= 100 MiB', value: `${f(peak, 1)} MiB`, ok: peak <= 100 });
  v.push({ target: 'cold start (restart) <= 100 ms, median', value: `${f(r.coldStart.restartMedianMs, 1)} ms`, ok: r.coldStart.restartMedianMs <= 100 });
  const e = r.logs.exact;
  const l = r.logs.load;
  const missing = e.sent - e.rows + Math.max(0, l.answered - l.rows);
  v.push({ target: 'log rows missing = 0', value: `exact ${e.rows}/${e.sent}, load ${l.rows} in [${l.answered}, ${l.sent}]`, ok: missing === 0 && e.rows === e.sent && l.rows <= l.sent });
  return v;
}

function scenarioTable(s: ScenarioResult): string[] {
  const fw = s.targets.forwarder!;
  const lines = [`== ${s.name} ==`, `${'target'.padEnd(10)} ${pad('RPS', 9)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('vs fwd', 7)} ${pad('+p50 ms', 8)} ${pad('+p99 ms', 8)} ${pad('CPU µs/req', 11)}`];
  for (const [name, t] of Object.entries(s.targets)) {
    const rel = name === 'direct' ? '' : f(t.rps / fw.rps);
    const ap50 = name === 'gateway' ? f(t.p50Ms - fw.p50Ms, 3) : '';
    const ap99 = name === 'gateway' ? f(t.p99Ms - fw.p99Ms, 3) : '';
    lines.push(`${name.padEnd(10)} ${pad(f(t.rps, 0), 9)} ${pad(f(t.p50Ms, 3), 8)} ${pad(f(t.p99Ms, 3), 8)} ${pad(rel, 7)} ${pad(ap50, 8)} ${pad(ap99, 8)} ${pad(t.cpuUsPerReq === null ? 'n/a' : f(t.cpuUsPerReq, 0), 11)}`);
  }
  lines.push(`gateway peak RSS (VmHWM) so far: ${s.gatewayPeakRssMiB === null ? 'n/a' : f(s.gatewayPeakRssMiB, 1) + ' MiB'}`);
  return lines;
}

export function renderText(r: BenchReport): string {
  const out: string[] = [];
  out.push(`GopherGate bench  ${Object.entries(r.meta).map(([k, v]) => `${k}=${v}`).join('  ')}`, '');
  for (const s of r.scenarios) out.push(...scenarioTable(s), '');
  out.push('== stream time to first byte (sequential, own client) ==', `${'target'.padEnd(10)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('+p50 vs direct', 15)}`);
  for (const [name, t] of Object.entries(r.ttfb)) {
    out.push(`${name.padEnd(10)} ${pad(f(t.p50Ms, 3), 8)} ${pad(f(t.p99Ms, 3), 8)} ${pad(name === 'direct' ? '' : f(t.p50Ms - r.ttfb.direct!.p50Ms, 3), 15)}`);
  }
  const c = r.coldStart;
  out.push('', '== cold start to first 200 on /health ==');
  out.push(`restart (existing db): median ${f(c.restartMedianMs, 1)} ms  runs ${c.restartRunsMs.map((x) => f(x, 0)).join(' ')}`);
  out.push(`first start (empty dir): median ${f(c.firstStartMedianMs, 1)} ms  runs ${c.firstStartRunsMs.map((x) => f(x, 0)).join(' ')}`);
  const { load, exact } = r.logs;
  out.push('', '== log rows (counted after SIGTERM and drain) ==');
  out.push(`load phase (wrk): sent ${load.sent}, answered ${load.answered}, rows ${load.rows} (must lie in between: wrk cuts its last requests off); drain+exit ${f(load.drainMs, 0)} ms, exit ${load.exitCode}`);
  out.push(`exact check: sent ${exact.sent} (all awaited, ${exact.ok} ok), rows ${exact.rows}; SIGTERM right after, drain+exit ${f(exact.drainMs, 0)} ms, exit ${exact.exitCode}`);
  out.push(`all rows in the database by status: ${JSON.stringify(exact.byStatus)}`);
  for (const s of r.subBenches) {
    out.push('', `== ${s.name} (${s.script}): ${s.status}${s.status === 'missing' ? '' : `, ${f(s.seconds, 1)} s`} ==`, ...s.output.map((l) => `  ${l}`));
  }
  out.push('', '== targets ==');
  for (const v of verdicts(r)) out.push(`${v.ok ? 'PASS' : 'MISS'}  ${v.target.padEnd(42)} ${v.value}`);
  return out.join('\n');
}
