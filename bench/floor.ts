#!/usr/bin/env bun
/**
 * Where the floor is: CPU per request of the bare forwarder, of the forwarder plus the work any
 * gateway with these features must do (bench/floor-forwarder.ts, added step by step), and of the
 * gateway binary with everything on, split by thread (main JS thread, Bun's HTTP client thread,
 * workers, the rest). Interleaved rounds under wrk, zero-latency upstream, medians.
 *
 * `bun bench/floor.ts [--duration S] [--rounds N] [-c N] [--stream]`
 */
import { parseArgs } from 'node:util';
import { BINARY, ensureBinary } from './lib/binary';
import { gatewayEnv, pickModel, startWithClientKey } from './lib/gateway';
import { hasWrk, runLoad } from './lib/load';
import { spawnHelper, stop, threadCpuMs } from './lib/processes';
import { body } from './lib/scenarios';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, c: { type: 'string', default: '16' }, stream: { type: 'boolean', default: false } },
});
const progress = (m: string) => process.stderr.write(`[floor] ${m}\n`);
const stream = values.stream!;
const connections = Number(values.c);
const durationS = Number(values.duration);

ensureBinary(progress);
const upstream = await spawnHelper([`${import.meta.dir}/fake-upstream.ts`, '--port', '0']);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const LADDER = [
  ['forwarder', ''],
  ['+ parse', 'parse'],
  ['+ abort', 'parse,abort'],
  ['+ read', 'parse,abort,read'],
  ['+ headers', 'parse,abort,read,headers'],
] as const;

interface Target { name: string; pid: number; url: string; headers: Record<string, string>; model: string }
const targets: Target[] = [];
const procs: { proc: Parameters<typeof stop>[0] }[] = [];
for (const [name, steps] of LADDER) {
  const f = await spawnHelper([`${import.meta.dir}/floor-forwarder.ts`, '--upstream', upstreamUrl, '--steps', steps]);
  procs.push(f);
  targets.push({ name, pid: f.proc.pid, url: `http://127.0.0.1:${f.port}/v1/chat/completions`, headers: {}, model: 'gpt-4o-mini' });
}
const g = gatewayEnv(upstream.port);
const { gw, key } = await startWithClientKey(BINARY, g);
procs.push(gw);
const model = await pickModel(gw.port, key, ['openai-auto']);
targets.push({ name: 'gateway', pid: gw.proc.pid, url: `http://127.0.0.1:${gw.port}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, model });

type Sample = { rps: number; total: number; main: number; http: number; workers: number; other: number };
const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
const useWrk = hasWrk();
for (const t of targets) await runLoad({ url: t.url, body: body(t.model, stream), headers: t.headers, connections, durationS: 1 }, useWrk);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const t of round % 2 ? [...targets].reverse() : targets) {
    progress(`round ${round + 1}: ${t.name}`);
    const a = threadCpuMs(t.pid);
    const r = await runLoad({ url: t.url, body: body(t.model, stream), headers: t.headers, connections, durationS }, useWrk);
    const b = threadCpuMs(t.pid);
    if (r.non2xx > 0) throw new Error(`${t.name}: ${r.non2xx} non-2xx answers`);
    const per = (k: keyof typeof a) => ((b[k] - a[k]) * 1000) / r.completed;
    const s = { rps: r.rps, main: per('main'), http: per('http'), workers: per('workers'), other: per('other'), total: 0 };
    s.total = s.main + s.http + s.workers + s.other;
    samples.get(t.name)!.push(s);
  }
}
for (const p of procs) await stop(p.proc);
await stop(upstream.proc);

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const col = (s: string, w: number) => s.padStart(w);
console.log(`\n== CPU per request, ${stream ? 'stream' : 'JSON'}, c${connections}, ${values.rounds} x ${durationS} s, medians (µs) ==`);
console.log(`${'target'.padEnd(12)}${col('RPS', 8)}${col('total', 8)}${col('main', 8)}${col('http', 8)}${col('workers', 9)}${col('other', 8)}`);
for (const t of targets) {
  const s = samples.get(t.name)!;
  const m = (k: keyof Sample) => median(s.map((x) => x[k]));
  console.log(`${t.name.padEnd(12)}${col(m('rps').toFixed(0), 8)}${col(m('total').toFixed(1), 8)}${col(m('main').toFixed(1), 8)}${col(m('http').toFixed(1), 8)}${col(m('workers').toFixed(1), 9)}${col(m('other').toFixed(1), 8)}`);
}
process.exit(0);
