/**
 * Load generators: wrk (one thread, so it takes at most one of the two cores) when installed,
 * else a small Bun client loop. Both report the same shape.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests written to the socket (wrk: counted in Lua). */
  sent: number;
  /** Responses read to the end. */
  completed: number;
  non2xx: number;
  socketErrors: number;
}

export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

export const hasWrk = () => Bun.which('wrk') !== null;

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

// request() is counted per thread; done() prints the totals so "sent" is exact, not inferred.
function luaScript(spec: LoadSpec): string {
  const headers = Object.entries({ 'content-type': 'application/json', ...spec.headers })
    .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`)
    .join('\n');
  return `wrk.method = "POST"
wrk.body = ${luaString(spec.body)}
${headers}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) sent = 0; req = wrk.format() end
function request() sent = sent + 1; return req end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("sent") end
  io.write(string.format("BENCH sent=%d completed=%d p50us=%d p99us=%d\\n", total, summary.requests, latency:percentile(50), latency:percentile(99)))
end
`;
}

export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const script = join(tmpdir(), `gg-bench-${process.pid}.lua`);
  writeFileSync(script, luaScript(spec));
  const args = ['wrk', '-t1', `-c${spec.connections}`, `-d${spec.durationS}s`, '--timeout', '10s', '-s', script, spec.url];
  const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${err || out}`);
  const m = /BENCH sent=(\d+) completed=(\d+) p50us=(\d+) p99us=(\d+)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m || !rps) throw new Error(`cannot read wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    sent: Number(m[1]),
    completed: Number(m[2]),
    p50Ms: Number(m[3]) / 1000,
    p99Ms: Number(m[4]) / 1000,
    non2xx,
    socketErrors: se ? se.slice(1).reduce((a, x) => a + Number(x), 0) : 0,
  };
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

/** Fallback: `connections` fetch loops for the duration; every started request is awaited. */
export async function runBunLoad(spec: LoadSpec): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const latencies: number[] = [];
  let sent = 0;
  let non2xx = 0;
  let socketErrors = 0;
  const t0 = performance.now();
  const end = t0 + spec.durationS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      sent++;
      try {
        const res = await fetch(spec.url, { method: 'POST', headers, body: spec.body });
        await res.arrayBuffer();
        if (res.status < 200 || res.status >= 400) non2xx++;
        latencies.push(performance.now() - s);
      } catch {
        socketErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99), sent, completed: latencies.length, non2xx, socketErrors };
}

export const runLoad = (spec: LoadSpec, useWrk: boolean) => (useWrk ? runWrk(spec) : runBunLoad(spec));

/**
 * Exactly `total` requests (alternating the given bodies), `connections` at a time, each read to
 * the end: the accounting check needs a count no load generator cut off mid-flight.
 */
export async function runFixedCount(spec: Omit<LoadSpec, 'body' | 'durationS'> & { bodies: string[]; total: number }): Promise<{ sent: number; ok: number; failed: number }> {
  const headers = { 'content-type': 'application/json', ...spec.headers };
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (next < spec.total) {
      const i = next++;
      try {
        const res = await fetch(spec.url, { method: 'POST', headers, body: spec.bodies[i % spec.bodies.length] });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  return { sent: next, ok, failed };
}
