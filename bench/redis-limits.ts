#!/usr/bin/env bun
/**
 * The limit counters on Redis against the in-memory ones: `admit` then `settle` of a key with a
 * budget, RPM and TPM, one request at a time (wall time = two round trips plus the scripts) and
 * 32 at once (throughput of one Redis). Needs Redis at LLM_PROXY__REDIS__URL (default
 * redis://127.0.0.1:6379); uses a random key prefix and deletes its keys at the end.
 * `bun bench/redis-limits.ts [--n N]`
 */
import { parseArgs } from 'node:util';
import type { LimitCounters } from '../src/limits/limit-counters';
import type { ScopeLimits } from '../src/limits/limit-types';
import { MemoryLimitCounters } from '../src/limits/memory-limit-counters';
import { RedisLimitCounters } from '../src/limits/redis-limit-counters';
import { RedisLink } from '../src/redis/redis-link';

const { values } = parseArgs({ args: process.argv.slice(2), options: { n: { type: 'string', default: '5000' } } });
const N = Number(values.n);
const url = process.env.LLM_PROXY__REDIS__URL || 'redis://127.0.0.1:6379';
const prefix = `gg-bench-${crypto.randomUUID().slice(0, 8)}:`;
const link = new RedisLink(url, prefix).start();
if (!(await link.whenUp(3000))) throw new Error(`no Redis at ${url}`);

const scope: ScopeLimits = { key: 'c:1', label: "key 'bench'", allow: null, budgetUsd: 1e9, period: 'month', rpm: 1e9, tpm: 1e12, maxParallel: null };
let seq = 0;
async function run(counters: LimitCounters, n: number, concurrency: number): Promise<number> {
  const t0 = performance.now();
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const id = `r${seq++}`;
        const now = Date.now();
        await counters.admit({ requestId: id, scopes: [scope], worstCostUsd: 0.001, tokens: 100, now });
        await counters.settle(id, { costUsd: 0.0005, tokens: 80, at: now }, now);
      }
    }),
  );
  return (performance.now() - t0) / n;
}

const redis = new RedisLimitCounters(link, 'open');
await run(redis, 500, 1); // scripts loaded, JIT warm
const cpu0 = process.cpuUsage();
const oneAtATime = await run(redis, N, 1);
const cpu = process.cpuUsage(cpu0);
const at32 = await run(redis, N * 4, 32);
const memory = await run(new MemoryLimitCounters(), N * 4, 1);
console.log(
  JSON.stringify({
    memory_ms_per_request: +memory.toFixed(4),
    redis_one_at_a_time_ms_per_request: +oneAtATime.toFixed(3),
    redis_gateway_cpu_us_per_request: +((cpu.user + cpu.system) / N).toFixed(1),
    redis_32_at_once_ms_per_request: +at32.toFixed(4),
  }),
);

let cursor = '0';
do {
  const [next, keys] = (await link.send('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
  cursor = next;
  if (keys.length) await link.send('DEL', keys);
} while (cursor !== '0');
link.close();
