#!/usr/bin/env bun
/**
 * What reading a fetch body from JavaScript costs per stream, by way of reading it: this process
 * fetches `--streams` streams from the fake upstream (20 chunks `--chunk-delay-ms` apart), holds
 * them mid-stream, and after a full collection compares with the idle process: RSS, JSC's extra
 * memory (buffers the heap points at) and Uint8Arrays per stream; then CPU per whole stream.
 * Bun 1.4.5 gives each body read from JS a 64 KiB buffer (its NativeReadableStreamSource);
 * run this again on a new Bun to see whether that changed.
 *
 *   bun bench/fetch-body-reads.ts [--streams 1000] [--chunk-delay-ms 400] [--modes reader,iter,pipeTo,pipeThrough,byob,text,node-http]
 *
 * Loopback only; bounded waits.
 */
import http from 'node:http';
import { heapStats } from 'bun:jsc';
import { MAX_CONNECTIONS_LIMIT } from '../src/config/upstream-limits';
import { ensureRuntimeEnvironment } from '../src/startup/runtime-environment';
import { flag } from './bench-args';
import { sleep, spawnHelper, stop } from './lib/processes';
import { body } from './lib/scenarios';

ensureRuntimeEnvironment(MAX_CONNECTIONS_LIMIT);
const streams = Number(flag('streams', '1000'));
const chunkDelayMs = Number(flag('chunk-delay-ms', '400'));
const modes = (flag('modes') ?? 'reader,iter,pipeTo,pipeThrough,byob,text,node-http').split(',');
const LATENCY_MS = 100;
const upstream = await spawnHelper([`${import.meta.dir}/fake-upstream.ts`, '--latency-ms', String(LATENCY_MS), '--chunks', '20', '--chunk-delay-ms', String(chunkDelayMs)]);
const url = new URL(`http://127.0.0.1:${upstream.port}/v1/chat/completions`);
const payload = body('gpt-4o-mini', true);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>) {
  while (!(await reader.read()).done);
}

/** One whole stream read the given way. */
async function readOne(mode: string): Promise<void> {
  if (mode === 'node-http') {
    return new Promise<void>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
  const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
  const b = res.body!;
  if (mode === 'reader') return drain(b.getReader());
  if (mode === 'iter') for await (const _ of b as unknown as AsyncIterable<Uint8Array>);
  else if (mode === 'pipeTo') await b.pipeTo(new WritableStream());
  else if (mode === 'pipeThrough') return drain(b.pipeThrough(new TransformStream()).getReader());
  else if (mode === 'byob') {
    const r = (b.getReader as (o: { mode: 'byob' }) => ReadableStreamBYOBReader)({ mode: 'byob' });
    while (!(await r.read(new Uint8Array(4096))).done);
  } else if (mode === 'text') await res.text();
  else throw new Error(`unknown mode ${mode}`);
}

function snapshot() {
  Bun.gc(true);
  const h = heapStats();
  return { rss: process.memoryUsage().rss, extra: h.extraMemorySize, u8: h.objectTypeCounts.Uint8Array ?? 0 };
}

console.log(`${streams} streams mid-stream, per stream:  RSS KiB  extra KiB  Uint8Arrays  CPU µs (whole stream)`);
for (const mode of modes) {
  try {
    await Promise.all(Array.from({ length: 10 }, () => readOne(mode)));
  } catch (err) {
    console.log(`${mode.padEnd(12)} ${(err as Error).message}`);
    continue;
  }
  const idle = snapshot();
  const cpu0 = process.cpuUsage();
  const all = Promise.all(Array.from({ length: streams }, () => readOne(mode)));
  await sleep(LATENCY_MS + 2.5 * chunkDelayMs);
  const busy = snapshot();
  await all;
  const cpu = process.cpuUsage(cpu0);
  const per = (a: number, b: number) => ((b - a) / streams / 1024).toFixed(1);
  console.log(`${mode.padEnd(12)} ${per(idle.rss, busy.rss).padStart(27)} ${per(idle.extra, busy.extra).padStart(10)} ${((busy.u8 - idle.u8) / streams).toFixed(1).padStart(12)} ${((cpu.user + cpu.system) / streams).toFixed(0).padStart(22)}`);
}
agent.destroy();
await stop(upstream.proc);
