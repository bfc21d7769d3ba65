#!/usr/bin/env bun
/**
 * Where the gateway's memory goes under load: after each wrk run (c16/c64, JSON/stream) prints
 * the binary's peak RSS (VmHWM), current RSS, and its split into anonymous memory (JS heaps,
 * buffers, SQLite caches) and file-backed pages (the executable's own code and embedded bundle).
 * Variables named BUN_* or LLM_PROXY__* in this environment are passed to the gateway, so
 * runtime knobs can be compared, e.g. `BUN_JSC_forceRAMSize=134217728 bun bench/memory.ts`.
 *
 * `bun bench/memory.ts [--duration S]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BINARY, ensureBinary } from './lib/binary';
import { gatewayEnv, pickModel, startWithClientKey } from './lib/gateway';
import { hasWrk, runLoad } from './lib/load';
import { cpuTimeMs, spawnHelper, stop } from './lib/processes';
import { body } from './lib/scenarios';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '4' } } });
const progress = (m: string) => process.stderr.write(`[memory] ${m}\n`);

function memory(pid: number): string {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (k: string) => (Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024).toFixed(0).padStart(5);
  return `${mib('VmHWM')}${mib('VmRSS')}${mib('RssAnon')}${mib('RssFile')}`;
}

ensureBinary(progress);
const upstream = await spawnHelper([`${import.meta.dir}/fake-upstream.ts`, '--port', '0']);
const g = gatewayEnv(upstream.port);
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (k.startsWith('BUN_') || k.startsWith('LLM_PROXY__'))) g.env[k] = v;
// Measured on the second start: the first creates the database and hashes the admin password
// with argon2id (a one-time peak of its own).
const { gw, key } = await startWithClientKey(BINARY, g);
const model = await pickModel(gw.port, key, ['openai-auto']);
console.log(`scenario        peak   rss  anon  file  (MiB)    RPS  CPU µs/req`);
console.log(`idle          ${memory(gw.proc.pid)}`);
for (const [c, stream] of [[16, false], [16, true], [64, false], [64, true]] as const) {
  const before = cpuTimeMs(gw.proc.pid)!;
  const r = await runLoad({ url: `http://127.0.0.1:${gw.port}/v1/chat/completions`, body: body(model, stream), headers: { authorization: `Bearer ${key}` }, connections: c, durationS: Number(values.duration) }, hasWrk());
  const cpu = ((cpuTimeMs(gw.proc.pid)! - before) * 1000) / r.completed;
  console.log(`c${c} ${stream ? 'stream' : 'JSON  '}    ${memory(gw.proc.pid)}  ${r.rps.toFixed(0).padStart(9)}  ${cpu.toFixed(1).padStart(10)}`);
}
await stop(gw.proc);
await stop(upstream.proc);
