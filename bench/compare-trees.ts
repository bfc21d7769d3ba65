#!/usr/bin/env bun
/**
 * Paired comparison of gateway builds, for speed guards on a noisy machine: one fake upstream, the
 * forwarder and one gateway per tree all run side by side, and short load bursts alternate over
 * them (forwarder, tree 1, tree 2, ...; every other round in reverse) for R rounds. Per tree it
 * prints the median CPU µs per request (all threads, then by thread) and the median of its CPU
 * divided by the forwarder's in the same round, the figure that holds when the machine drifts.
 *
 * `bun bench/compare-trees.ts [--stream] [-c 16] [--rounds 10] [--duration 2] [--latency-ms 0] [--chunk-delay-ms 0] [--binary] [--limits] [--gateway-env K=V,K=V] TREE...`
 * (--gateway-env goes to every tree's environment: e.g. `BUN_CONFIG_MAX_HTTP_REQUESTS=16640` for a
 * tree from before the gateway set its own fetch cap)
 * (`--latency-ms 1500 -c 4000 --duration 6`: thousands of streams in flight, as bench/concurrency.ts;
 * `--latency-ms 500 --chunk-delay-ms 50`: the same with the 20 chunks spaced out, as LLMs stream)
 * A TREE is a checkout (`git worktree add /tmp/base <commit>`, `bun install` or a node_modules
 * link); --binary runs each tree's built ./gophergate (`bun run build` there), else its
 * src/main.ts; `src:TREE` runs one tree from source either way.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClientKey, gatewayEnv, pickModel } from './lib/gateway';
import { runWrk } from './lib/load';
import { cpuTimeMs, freePort, spawnHelper, stop, threadCpuMs, waitFor200 } from './lib/processes';
import { body } from './lib/scenarios';
import { wantedFetchCap } from '../src/startup/fetch-cap';

const M = import.meta.dir;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stream: { type: 'boolean', default: false }, c: { type: 'string', default: '16' }, rounds: { type: 'string', default: '10' },
    duration: { type: 'string', default: '2' }, 'latency-ms': { type: 'string', default: '0' }, 'chunk-delay-ms': { type: 'string', default: '0' }, limits: { type: 'boolean', default: false }, binary: { type: 'boolean', default: false },
    'gateway-env': { type: 'string', default: '' },
  },
});
if (positionals.length === 0) throw new Error('name at least one tree: bun bench/compare-trees.ts [--stream] [-c N] [--binary] TREE...');

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  pid: number;
  stop(): Promise<unknown>;
}
const FIGURES = ['cpu', 'main', 'http', 'workers', 'other', 'ratio', 'rps'] as const;
type Figures = Record<(typeof FIGURES)[number], number[]>;

const upstream = await spawnHelper([join(M, 'fake-upstream.ts'), '--latency-ms', values['latency-ms']!, '--chunk-delay-ms', values['chunk-delay-ms']!]);
// The forwarder gets the fetch cap the gateways give themselves by default (thousands in flight).
const forwarder = await spawnHelper([join(M, 'forwarder.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`], { BUN_CONFIG_MAX_HTTP_REQUESTS: String(wantedFetchCap(16_384)) });

const extraEnv = Object.fromEntries(values['gateway-env']!.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/** A tree's gateway on a database of its own with a client key in it (the first start seeds it). */
async function startTree(spec: string): Promise<Target> {
  const fromSource = spec.startsWith('src:') || !values.binary;
  const tree = spec.replace(/^src:/, '');
  const g = gatewayEnv(upstream.port);
  Object.assign(g.env, extraEnv);
  const start = async () => {
    const port = freePort();
    const cmd = fromSource ? ['bun', join(tree, 'src/main.ts')] : [join(tree, 'gophergate')];
    const proc = Bun.spawn(cmd, { cwd: g.dir, env: { ...g.env, LLM_PROXY__SERVER__PORT: String(port) }, stdout: 'ignore', stderr: 'ignore' });
    await waitFor200(`http://127.0.0.1:${port}/health`);
    return { proc, port };
  };
  await stop((await start()).proc);
  const key = createClientKey(g.dbPath, values.limits);
  const gw = await start();
  const model = await pickModel(gw.port, key, ['openai-auto', 'openai/gpt-4o-mini']);
  return { name: spec, url: `http://127.0.0.1:${gw.port}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, model, pid: gw.proc.pid, stop: () => stop(gw.proc) };
}

const targets: Target[] = [
  { name: 'forwarder', url: `http://127.0.0.1:${forwarder.port}/v1/chat/completions`, headers: {}, model: 'gpt-4o-mini', pid: forwarder.proc.pid, stop: () => stop(forwarder.proc) },
];
for (const spec of positionals) targets.push(await startTree(spec));
const figures = new Map<string, Figures>(targets.map((t) => [t.name, Object.fromEntries(FIGURES.map((f) => [f, []])) as unknown as Figures]));
const stream = values.stream!;
const load = (t: Target, durationS: number) => runWrk({ url: t.url, body: body(t.model, stream), headers: t.headers, connections: Number(values.c), durationS });

for (const t of targets) await load(t, 1); // warm-up: JIT, connections, the first snapshot
for (let r = 0; r < Number(values.rounds); r++) {
  const order = r % 2 ? [targets[0]!, ...targets.slice(1).reverse()] : targets;
  const cpuOf = new Map<string, number>();
  for (const t of order) {
    const [c0, th0] = [cpuTimeMs(t.pid)!, threadCpuMs(t.pid)];
    const w = await load(t, Number(values.duration));
    const [c1, th1] = [cpuTimeMs(t.pid)!, threadCpuMs(t.pid)];
    const perReq = (ms: number) => (ms * 1000) / w.completed;
    const f = figures.get(t.name)!;
    f.cpu.push(perReq(c1 - c0));
    for (const k of ['main', 'http', 'workers', 'other'] as const) f[k].push(perReq(th1[k] - th0[k]));
    f.rps.push(w.rps);
    cpuOf.set(t.name, perReq(c1 - c0));
  }
  for (const [name, us] of cpuOf) figures.get(name)!.ratio.push(us / cpuOf.get('forwarder')!);
  process.stderr.write(`round ${r}: ${[...cpuOf].map(([n, us]) => `${n.split('/').pop()} ${us.toFixed(0)}`).join('  ')}\n`);
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`${stream ? 'stream' : 'JSON'} c${values.c}, ${values.rounds} rounds x ${values.duration} s; medians, CPU in µs per request`);
for (const [name, f] of figures) {
  const m = (k: keyof Figures, d = 1) => median(f[k]).toFixed(d);
  console.log(`${name.padEnd(28)} cpu ${m('cpu').padStart(6)}  main ${m('main').padStart(6)}  http ${m('http')}  workers ${m('workers')}  other ${m('other')}  vs forwarder ${m('ratio', 3)}  rps ${m('rps', 0)}`);
}
// After every round: a tree that holds what its requests left behind (a leak) shows here, not in its CPU.
const rssMiB = (pid: number, field: string) => Number(/(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? NaN) / 1024;
for (const t of targets) console.log(`${t.name.padEnd(28)} RSS at the end ${rssMiB(t.pid, 'VmRSS:').toFixed(0)} MiB, peak ${rssMiB(t.pid, 'VmHWM:').toFixed(0)} MiB`);
for (const t of targets) await t.stop();
await stop(upstream.proc);
