#!/usr/bin/env bun
/**
 * Thousands of streams in flight: an upstream that waits 1.5 s and then streams 20 chunks, driven
 * with 1,000, 4,000 and 8,000 connections against the upstream directly, the bare Bun forwarder
 * (its fetch cap raised) and the gateway binary with DEFAULT settings (nothing but where to listen,
 * the database and the upstream's URL). Per run: RPS, p50/p99, errors, the target's peak RSS and,
 * for the gateway, log rows against requests answered. Targets interleave per connection count.
 *
 * `--soak` holds 2,000 connections on the gateway for 10 minutes (`--duration S` to shorten) and
 * prints RSS over time, its growth after the warm-up (the first fifth) and rows against answers.
 *
 *   bun bench/concurrency.ts [--connections 1000,4000,8000] [--duration 10] [--latency-ms 1500]
 *                            [--chunks 20] [--chunk-delay-ms 0] [--targets direct,forwarder,gateway] [--no-wrk] [--rounds 1]
 *   --chunk-delay-ms D spaces the content chunks D ms apart (streams in progress, as real LLMs send)
 *   --rounds N runs the targets N times per connection count (order reversed every other round)
 *   and prints the median of the per-round gateway/forwarder RPS ratios: single runs move by ±10 %.
 *   bun bench/concurrency.ts --soak [--connections 2000] [--duration 600]
 *   [--binary PATH] another build of the gateway (e.g. main's, for an A/B)
 *   [--gateway-env K=V,K=V] added to the gateway's environment (e.g. BUN_JSC_* heap options)
 *
 * Loopback only; every loop is bounded. Load: `wrk -t1` when installed, else a Bun client loop
 * (this process then restarts itself with Bun's fetch cap raised, or it would be the bottleneck).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { MAX_CONNECTIONS_LIMIT } from '../src/config/upstream-limits';
import { wantedFetchCap } from '../src/startup/fetch-cap';
import { ensureRuntimeEnvironment } from '../src/startup/runtime-environment';
import { flag } from './bench-args';
import { BINARY, ensureBinary } from './lib/binary';
import { countLogRows, gatewayEnv, pickModel, startWithClientKey } from './lib/gateway';
import { hasWrk, runLoad, type LoadResult } from './lib/load';
import { cpuTimeMs, sleep, spawnHelper, stop, threadCpuMs } from './lib/processes';
import { body } from './lib/scenarios';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(readFileSync(import.meta.path, 'utf8').split('*/')[0]!.replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
const binary = flag('binary') ?? BINARY;
const gatewayExtraEnv = Object.fromEntries((flag('gateway-env') ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const soak = argv.includes('--soak');
const useWrk = !argv.includes('--no-wrk') && hasWrk();
const connections = (flag('connections') ?? (soak ? '2000' : '1000,4000,8000')).split(',').map(Number);
const durationS = Number(flag('duration', soak ? '600' : '10'));
const latencyMs = Number(flag('latency-ms', '1500'));
/** When set, the content chunks come this far apart (streams in progress, as a real LLM sends them). */
const chunkDelayMs = Number(flag('chunk-delay-ms', '0'));
const chunks = Number(flag('chunks', '20'));
const targetNames = (flag('targets') ?? 'direct,forwarder,gateway').split(',');
const rounds = Number(flag('rounds', '1'));
const progress = (m: string) => process.stderr.write(`[concurrency] ${m}\n`);
if (connections.some((c) => !Number.isInteger(c) || c < 1) || !(durationS > 0)) throw new Error('--connections takes whole numbers, --duration seconds');

// The built-in client fetches from this process: without the cap raised, Bun lets 256 through.
if (!useWrk) ensureRuntimeEnvironment(MAX_CONNECTIONS_LIMIT);

const statusKiB = (pid: number, key: string): number | null => {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
};
const rssMiB = (pid: number) => (statusKiB(pid, 'VmRSS') ?? 0) / 1024;

/** Samples a process's RSS every `everyMs` until stopped (its VmHWM is for the whole life; this is per run). */
function sampleRss(pid: number, everyMs = 250) {
  let peak = rssMiB(pid);
  const t = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), everyMs);
  return () => (clearInterval(t), Math.max(peak, rssMiB(pid)));
}

interface Target {
  name: string;
  port: number;
  pid: number;
  path: string;
  headers: Record<string, string>;
  model: string;
}

async function gatewayHealth(port: number): Promise<any> {
  return fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json());
}

/** Waits (bounded) until nothing is in flight: streams cut by the load generator end on their own. */
async function drained(t: Target): Promise<void> {
  if (t.name !== 'gateway') return sleep(latencyMs + chunks * chunkDelayMs + 1000);
  for (let i = 0; i < 300; i++) {
    const h = await gatewayHealth(t.port);
    if (h.requests_in_flight === 0 && h.upstream.in_use === 0 && h.log_queue.depth === 0) return sleep(300);
    await sleep(100);
  }
  progress('gateway did not drain within 30 s');
}

const load = (t: Target, c: number, seconds: number) =>
  runLoad({ url: `http://127.0.0.1:${t.port}${t.path}`, body: body(t.model, true), headers: t.headers, connections: c, durationS: seconds }, useWrk);

const fmt = (n: number, w: number, d = 0) => n.toFixed(d).padStart(w);
const errorsOf = (r: LoadResult) => r.non2xx + r.socketErrors;

async function main() {
  if (binary === BINARY) ensureBinary(progress);
  progress(`load generator: ${useWrk ? 'wrk -t1' : 'built-in Bun client'}; upstream latency ${latencyMs} ms, ${chunks} chunks per stream${chunkDelayMs ? ` ${chunkDelayMs} ms apart` : ''}`);
  const children: Subprocess<any, any, any>[] = [];
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  const upstream = await spawnHelper([join(import.meta.dir, 'fake-upstream.ts'), '--chunks', String(chunks), '--latency-ms', String(latencyMs), '--chunk-delay-ms', String(chunkDelayMs)]);
  children.push(upstream.proc);
  // The forwarder gets the same fetch cap the gateway gives itself by default.
  const forwarder = await spawnHelper([join(import.meta.dir, 'forwarder.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`], {
    BUN_CONFIG_MAX_HTTP_REQUESTS: String(wantedFetchCap(16_384)),
  });
  children.push(forwarder.proc);
  // Default settings: no LLM_PROXY__UPSTREAM__* and no BUN_* in its environment.
  const g = gatewayEnv(upstream.port);
  Object.assign(g.env, gatewayExtraEnv);
  const { gw, key } = await startWithClientKey(binary, g);
  children.push(gw.proc);
  const model = await pickModel(gw.port, key, ['openai-auto', 'openai/gpt-4o-mini']);
  const h0 = await gatewayHealth(gw.port);
  progress(`gateway: max_connections ${h0.upstream.max_connections}, runtime fetch cap ${h0.upstream.runtime_fetch_cap}, open files ${h0.upstream.open_files_limit}`);
  const idleMiB = rssMiB(gw.proc.pid);

  const targets: Record<string, Target> = {
    direct: { name: 'direct', port: upstream.port, pid: upstream.proc.pid, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' },
    forwarder: { name: 'forwarder', port: forwarder.port, pid: forwarder.proc.pid, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' },
    gateway: { name: 'gateway', port: gw.port, pid: gw.proc.pid, path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, model },
  };

  if (soak) await runSoak(targets.gateway!, g.dbPath, idleMiB);
  else await runMatrix(targets, g.dbPath, idleMiB);

  await stop(gw.proc, 60_000);
  await stop(forwarder.proc);
  await stop(upstream.proc);
}

async function runMatrix(targets: Record<string, Target>, dbPath: string, idleMiB: number) {
  const lines: string[] = [];
  const out = (l: string) => (console.log(l), lines.push(l));
  out(`connections  target       RPS   p50 ms   p99 ms  errors  peak RSS MiB  answered  CPU µs/req  main/http/worker/other  rows 200/all`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  for (const c of connections) {
    const ratios: number[] = [];
    const peaks: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const rps: Record<string, number> = {};
      let gwPeak = 0;
      for (const name of round % 2 ? [...targetNames].reverse() : targetNames) {
        const t = targets[name];
        if (!t) throw new Error(`unknown target ${name}`);
        progress(`${c} connections -> ${name} for ${durationS} s`);
        const before = name === 'gateway' ? countLogRows(dbPath) : null;
        const peakOf = sampleRss(t.pid);
        const cpu0 = cpuTimeMs(t.pid) ?? 0;
        const threads0 = threadCpuMs(t.pid);
        const r = await load(t, c, durationS);
        const peak = peakOf();
        await drained(t);
        // Over everything the target did, streams cut at the end included, per answer counted.
        const cpuUs = r.completed ? (((cpuTimeMs(t.pid) ?? 0) - cpu0) * 1000) / r.completed : 0;
        // The same by thread: main JS thread, Bun's HTTP client thread, worker threads (the log writer), the rest (GC, JIT).
        const threads1 = threadCpuMs(t.pid);
        const perReq = (ms: number) => (r.completed ? Math.round((ms * 1000) / r.completed) : 0);
        const split = `${perReq(threads1.main - threads0.main)}/${perReq(threads1.http - threads0.http)}/${perReq(threads1.workers - threads0.workers)}/${perReq(threads1.other - threads0.other)}`;
        rps[name] = r.rps;
        let rows = '';
        if (before) {
          gwPeak = peak;
          const after = countLogRows(dbPath);
          const ok = (after.byStatus['200'] ?? 0) - (before.byStatus['200'] ?? 0);
          rows = `${ok}/${after.rows - before.rows}`;
        }
        out(`${fmt(c, 11)}  ${name.padEnd(9)} ${fmt(r.rps, 7)} ${fmt(r.p50Ms, 8)} ${fmt(r.p99Ms, 8)} ${fmt(errorsOf(r), 7)} ${fmt(peak, 13)} ${fmt(r.completed, 9)} ${fmt(cpuUs, 11)}  ${split.padStart(22)}  ${rows}`);
      }
      if (rps.gateway && rps.forwarder) {
        ratios.push(rps.gateway / rps.forwarder);
        peaks.push(gwPeak);
        out(`${fmt(c, 11)}  gateway/forwarder RPS ${(rps.gateway / rps.forwarder).toFixed(2)}; gateway memory per stream in flight ~${(((gwPeak - idleMiB) * 1024) / c).toFixed(0)} KiB (peak ${gwPeak.toFixed(0)} MiB over ${idleMiB.toFixed(0)} MiB idle)`);
      }
    }
    if (rounds > 1 && ratios.length)
      out(`${fmt(c, 11)}  over ${ratios.length} rounds: gateway/forwarder RPS median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')}); gateway peak RSS median ${median(peaks).toFixed(0)} MiB, highest ${Math.max(...peaks).toFixed(0)}`);
  }
  return lines;
}

async function runSoak(t: Target, dbPath: string, idleMiB: number) {
  const c = connections[0]!;
  const every = Math.max(1, Math.round(durationS / 30));
  progress(`soak: ${c} connections on the gateway for ${durationS} s, a sample every ${every} s`);
  const rowsBefore = countLogRows(dbPath);
  const t0 = performance.now();
  const running = load(t, c, durationS);
  let finished = false;
  void running.finally(() => (finished = true));
  const samples: { s: number; rss: number; inFlight: number; waiting: number }[] = [];
  console.log(`     s   RSS MiB  in flight  waiting`);
  while (!finished) {
    await Promise.race([sleep(every * 1000), running]);
    if (finished) break;
    const h = await gatewayHealth(t.port).catch(() => null);
    const s = { s: Math.round((performance.now() - t0) / 1000), rss: rssMiB(t.pid), inFlight: h?.requests_in_flight ?? -1, waiting: h?.upstream?.waiting ?? -1 };
    samples.push(s);
    console.log(`${fmt(s.s, 6)} ${fmt(s.rss, 9)} ${fmt(s.inFlight, 10)} ${fmt(s.waiting, 8)}`);
  }
  const r = await running;
  await drained(t);
  const after = countLogRows(dbPath);
  const ok = (after.byStatus['200'] ?? 0) - (rowsBefore.byStatus['200'] ?? 0);
  const warm = samples.filter((x) => x.s <= durationS / 5).at(-1) ?? samples[0];
  const later = samples.filter((x) => x.s > durationS / 5);
  console.log(`answered ${r.completed} (RPS ${r.rps.toFixed(0)}, p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms), errors ${errorsOf(r)}; rows 200 ${ok}, all ${after.rows - rowsBefore.rows}`);
  console.log(`RSS idle ${idleMiB.toFixed(0)} MiB, peak VmHWM ${((statusKiB(t.pid, 'VmHWM') ?? 0) / 1024).toFixed(0)} MiB`);
  if (warm && later.length) {
    const max = Math.max(...later.map((x) => x.rss));
    console.log(`RSS after warm-up (${warm.s} s) ${warm.rss.toFixed(0)} MiB, highest after it ${max.toFixed(0)} MiB: growth ${(((max - warm.rss) / warm.rss) * 100).toFixed(1)} %`);
    // RSS swings with each collection; a leak shows as a trend: the last third against the first.
    const third = Math.max(1, Math.floor(later.length / 3));
    const avg = (xs: typeof later) => xs.reduce((a, x) => a + x.rss, 0) / xs.length;
    const [first, last] = [avg(later.slice(0, third)), avg(later.slice(-third))];
    console.log(`trend after warm-up: mean RSS of the first third ${first.toFixed(0)} MiB, of the last third ${last.toFixed(0)} MiB (${(((last - first) / first) * 100).toFixed(1)} %)`);
  }
}

await main();
