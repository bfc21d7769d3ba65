/** The load matrix: {c16, c64} x {json, stream}, targets interleaved A B C A B C. */
import { runLoad, type LoadResult, type LoadSpec } from './load';
import { cpuTimeMs, peakRssMiB } from './processes';

export interface Target {
  name: 'direct' | 'forwarder' | 'gateway';
  url: string;
  headers: Record<string, string>;
  model: string;
  /** The process serving this target (the upstream itself for `direct`), for CPU per request. */
  pid: number;
}

export interface TargetFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU (user+system) the target's own process spent per completed request, in µs. */
  cpuUsPerReq: number | null;
  runs: LoadResult[];
}

export interface ScenarioResult {
  name: string;
  connections: number;
  stream: boolean;
  targets: Record<string, TargetFigures>;
  /** Gateway VmHWM after this scenario (monotonic over the run). */
  gatewayPeakRssMiB: number | null;
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

export function body(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

export interface MatrixHooks {
  useWrk: boolean;
  durationS: number;
  rounds: number;
  gatewayPid: number;
  /** Every request sent to (and answered by) the gateway is counted, for the log-row check. */
  onGatewayLoad(r: LoadResult): void;
  progress(msg: string): void;
}

function spec(t: Target, stream: boolean, connections: number, durationS: number): LoadSpec {
  return { url: t.url, body: body(t.model, stream), headers: t.headers, connections, durationS };
}

/** A short run per target and mode so JIT warm-up is not measured. */
export async function warmUp(targets: Target[], h: MatrixHooks): Promise<void> {
  for (const stream of [false, true]) {
    for (const t of targets) {
      const r = await runLoad(spec(t, stream, 16, 1), h.useWrk);
      if (t.name === 'gateway') h.onGatewayLoad(r);
      if (r.non2xx || r.completed === 0) throw new Error(`warm-up of ${t.name} failed: ${JSON.stringify(r)}`);
    }
  }
}

export async function runMatrix(targets: Target[], connections: number[], h: MatrixHooks): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const c of connections) {
    for (const stream of [false, true]) {
      const name = `c${c} ${stream ? 'stream' : 'JSON'}`;
      const runs: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
      const cpu: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
      for (let round = 0; round < h.rounds; round++) {
        for (const t of targets) {
          h.progress(`${name}: ${t.name} round ${round + 1}/${h.rounds}`);
          const cpu0 = cpuTimeMs(t.pid);
          const r = await runLoad(spec(t, stream, c, h.durationS), h.useWrk);
          const cpu1 = cpuTimeMs(t.pid);
          if (cpu0 !== null && cpu1 !== null && r.completed) cpu[t.name]!.push(((cpu1 - cpu0) * 1000) / r.completed);
          if (t.name === 'gateway') h.onGatewayLoad(r);
          if (r.non2xx) h.progress(`  warning: ${t.name} answered ${r.non2xx} non-2xx responses`);
          runs[t.name]!.push(r);
        }
      }
      const figures: Record<string, TargetFigures> = {};
      for (const [n, rs] of Object.entries(runs)) {
        const c = cpu[n]!;
        figures[n] = { rps: mean(rs.map((r) => r.rps)), p50Ms: mean(rs.map((r) => r.p50Ms)), p99Ms: mean(rs.map((r) => r.p99Ms)), cpuUsPerReq: c.length ? mean(c) : null, runs: rs };
      }
      out.push({ name, connections: c, stream, targets: figures, gatewayPeakRssMiB: peakRssMiB(h.gatewayPid) });
    }
  }
  return out;
}
