#!/usr/bin/env bun
/**
 * JS objects (and KiB of heap) allocated per request, by type: the gateway (or with `--forwarder`
 * the bare forwarder) runs in this process with the client; after a full collection a batch of K
 * requests runs, and the heap's object counts (bun:jsc heapStats, which counts what was allocated
 * since the last collection) are compared (no collection runs in a batch that small: the counts
 * grow linearly with K). The client's own objects are the same for both targets, so gateway − forwarder is what
 * the gateway allocates. Allocation per request sets how often the collector runs under load and
 * how much garbage stands between two collections (BENCHMARKS.md).
 *
 *   bun bench/alloc-per-request.ts [--forwarder] [--json] [--batch 20] [--rounds 9]
 *
 * Loopback only; bounded.
 */
import { fullGC, heapStats } from 'bun:jsc';
import { join } from 'node:path';
import { flag } from './bench-args';
import { startInProcessTarget } from './lib/in-process-target';
import { spawnHelper, stop } from './lib/processes';
import { body } from './lib/scenarios';

const asForwarder = process.argv.includes('--forwarder');
const stream = !process.argv.includes('--json');
const batch = Number(flag('batch', '20'));
const rounds = Number(flag('rounds', '9'));

const upstream = await spawnHelper([join(import.meta.dir, 'fake-upstream.ts'), '--latency-ms', '0', '--chunks', '20']);
const target = startInProcessTarget(upstream.port, asForwarder);
const { url, model, headers } = target;
const payload = body(model, stream);
const one = () => fetch(url, { method: 'POST', headers, body: payload }).then((r) => r.text());

for (let i = 0; i < 300; i++) await one(); // JIT, pools, caches
/** What the heap holds now: objects by type, and bytes (JS heap plus the memory its objects own). */
const snapshot = () => {
  const h = heapStats();
  return { counts: h.objectTypeCounts as Record<string, number>, bytes: h.heapSize + h.extraMemorySize };
};
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const objs: number[] = [];
const kib: number[] = [];
const types: [string, number][] = [];
for (let r = 0; r < rounds; r++) {
  fullGC();
  await Bun.sleep(50);
  fullGC();
  const s0 = snapshot();
  await Promise.all(Array.from({ length: batch }, one));
  const s1 = snapshot();
  const [before, after] = [s0.counts, s1.counts];
  objs.push((total(after) - total(before)) / batch);
  kib.push((s1.bytes - s0.bytes) / batch / 1024);
  if (r === rounds - 1)
    for (const [t, n] of Object.entries(after)) {
      const d = (n - (before[t] ?? 0)) / batch;
      if (d >= 0.5) types.push([t, d]);
    }
}
objs.sort((a, b) => a - b);
kib.sort((a, b) => a - b);
types.sort((a, b) => b[1] - a[1]);
console.log(`${asForwarder ? 'forwarder' : 'gateway'} ${stream ? 'stream' : 'json'}: ${objs[objs.length >> 1]!.toFixed(0)} JS objects allocated per request, ${kib[kib.length >> 1]!.toFixed(1)} KiB of heap (median of ${rounds} batches of ${batch}); by type: ${types.slice(0, 25).map(([t, d]) => `${t} ${d.toFixed(1)}`).join(', ')}`);
await target.close();
await stop(upstream.proc);
