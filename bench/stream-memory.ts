#!/usr/bin/env bun
/**
 * Where the memory of a request in flight goes. Runs the gateway (or with `--forwarder` the bare
 * forwarder) IN THIS PROCESS, holds `--streams` requests in flight against an upstream that waits
 * `--latency-ms` before it streams, and when all are in flight compares, after a full collection,
 * against the idle process: RSS, the JS heap (bun:jsc heapStats), memory held outside it, and the
 * JS object types that grew, per request. The client is a separate Bun process (not counted).
 *
 *   bun bench/stream-memory.ts [--streams 2000] [--latency-ms 6000] [--chunk-delay-ms 0] [--forwarder] [--by-name]
 *
 * With `--latency-ms 200 --chunk-delay-ms 400` the requests are measured mid-stream instead
 * (the first chunks relayed, the rest to come).
 *
 * Loopback only; bounded waits.
 */
import { heapStats } from 'bun:jsc';
import { join } from 'node:path';
import { MAX_CONNECTIONS_LIMIT } from '../src/config/upstream-limits';
import { ensureRuntimeEnvironment } from '../src/startup/runtime-environment';
import { flag } from './bench-args';
import { startInProcessTarget } from './lib/in-process-target';
import { sleep, spawnHelper, stop } from './lib/processes';
import { body } from './lib/scenarios';

// This process fetches from the upstream (as gateway or forwarder): Bun's cap must not be what limits it.
ensureRuntimeEnvironment(MAX_CONNECTIONS_LIMIT);

const streams = Number(flag('streams', '2000'));
const latencyMs = Number(flag('latency-ms', '6000'));
const asForwarder = process.argv.includes('--forwarder');
const progress = (m: string) => process.stderr.write(`[stream-memory] ${m}\n`);
const MiB = 1024 * 1024;

/** Live objects by (kind, name) from a V8-format heap snapshot: closures carry their function's name. */
function namedCounts(): Map<string, { n: number; bytes: number }> {
  const snap = JSON.parse(Bun.generateHeapSnapshot('v8')) as any;
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const key = `${types[snap.nodes[i + ti!]]} ${snap.strings[snap.nodes[i + ni!]]}`.slice(0, 80);
    const e = out.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += snap.nodes[i + si!];
    out.set(key, e);
  }
  return out;
}

function snapshot() {
  Bun.gc(true);
  const h = heapStats();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: h.heapSize, extra: h.extraMemorySize, objects: h.objectCount, arrayBuffers: m.arrayBuffers, types: h.objectTypeCounts as Record<string, number> };
}

const chunkDelayMs = Number(flag('chunk-delay-ms', '0'));
const upstream = await spawnHelper([join(import.meta.dir, 'fake-upstream.ts'), '--latency-ms', String(latencyMs), '--chunks', '20', '--chunk-delay-ms', String(chunkDelayMs)]);
const target = startInProcessTarget(upstream.port, asForwarder);
const { url, model, headers, inFlight } = target;

// Warm every path once (JIT, routing tables, the upstream connection pool), then measure idle.
for (let i = 0; i < 20; i++) await fetch(url, { method: 'POST', headers, body: body(model, true) }).then((r) => r.text());
await sleep(500);
const idle = snapshot();
const byName = process.argv.includes('--by-name');
const idleNamed = byName ? namedCounts() : null;

// The client: its own process, its own fetch cap; every stream is read to the end.
const client = Bun.spawn(
  ['bun', '-e', `await Promise.all(Array.from({ length: ${streams} }, () => fetch(${JSON.stringify(url)}, { method: 'POST', headers: ${JSON.stringify(headers)}, body: ${JSON.stringify(body(model, true))} }).then((r) => r.text()).catch(() => 0)));`],
  { env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '65535' }, stdout: 'inherit', stderr: 'inherit' },
);
const deadline = Date.now() + latencyMs + 20 * chunkDelayMs - 500;
while (inFlight() < streams * 0.98 && Date.now() < deadline) await sleep(20);
// Mid-stream: let every stream relay its first chunks before looking.
if (chunkDelayMs) await sleep(latencyMs + 2.5 * chunkDelayMs);
const held = inFlight();
const busy = snapshot();
const busyNamed = byName ? namedCounts() : null;
progress(`${held} of ${streams} requests in flight at the measurement`);
await client.exited;

const per = (a: number, b: number) => ((b - a) / held / 1024).toFixed(1);
console.log(`${asForwarder ? 'forwarder' : 'gateway'}: ${held} requests in flight (${chunkDelayMs ? 'mid-stream' : 'waiting on the upstream'}), after a full collection`);
console.log(`  RSS            ${(idle.rss / MiB).toFixed(0)} -> ${(busy.rss / MiB).toFixed(0)} MiB   ${per(idle.rss, busy.rss)} KiB per request`);
console.log(`  JS heap        ${(idle.heap / MiB).toFixed(1)} -> ${(busy.heap / MiB).toFixed(1)} MiB   ${per(idle.heap, busy.heap)} KiB per request`);
console.log(`  extra memory   ${(idle.extra / MiB).toFixed(1)} -> ${(busy.extra / MiB).toFixed(1)} MiB   ${per(idle.extra, busy.extra)} KiB per request (buffers the heap points at)`);
console.log(`  array buffers  ${(idle.arrayBuffers / MiB).toFixed(1)} -> ${(busy.arrayBuffers / MiB).toFixed(1)} MiB`);
console.log(`  JS objects     ${idle.objects} -> ${busy.objects}   ${((busy.objects - idle.objects) / held).toFixed(1)} per request`);
const grown = Object.entries(busy.types)
  .map(([t, n]) => [t, (n - (idle.types[t] ?? 0)) / held] as const)
  .filter(([, d]) => d >= 0.5)
  .sort((a, b) => b[1] - a[1]);
console.log('  object types per request in flight:');
for (const [t, d] of grown.slice(0, 30)) console.log(`    ${d.toFixed(1).padStart(6)}  ${t}`);

if (idleNamed && busyNamed) {
  console.log('  by name (V8-format heap snapshot), per request in flight: count, bytes');
  const rows = [...busyNamed].map(([k, v]) => [k, (v.n - (idleNamed.get(k)?.n ?? 0)) / held, (v.bytes - (idleNamed.get(k)?.bytes ?? 0)) / held] as const);
  for (const [k, n, b] of rows.filter(([, n]) => n >= 0.9).sort((a, b) => b[2] - a[2]).slice(0, 40))
    console.log(`    ${n.toFixed(1).padStart(6)} ${b.toFixed(0).padStart(7)} B  ${k}`);
}

await target.close();
await stop(upstream.proc);
