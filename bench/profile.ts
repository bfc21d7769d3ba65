#!/usr/bin/env bun
/**
 * CPU profile of the gateway under load: runs `bun --cpu-prof src/main.ts` (source, so the
 * profile has real names) behind the fake upstream, drives it with wrk, stops it with SIGTERM
 * and prints the self-time summary. `bun bench/profile.ts [--stream] [--duration S] [-c N] [--latency-ms MS] [--no-prof]`
 * (`--latency-ms 1500 -c 2000`: the many-streams-in-flight scenario of bench/concurrency.ts)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClientKey, gatewayEnv, pickModel } from './lib/gateway';
import { hasWrk, runLoad } from './lib/load';
import { freePort, spawnHelper, stop, waitFor200 } from './lib/processes';
import { body } from './lib/scenarios';

const { values } = parseArgs({ options: { stream: { type: 'boolean', default: false }, duration: { type: 'string', default: '5' }, c: { type: 'string', default: '16' }, top: { type: 'string', default: '35' }, 'latency-ms': { type: 'string', default: '0' }, 'no-prof': { type: 'boolean', default: false } } });
const prof = !values['no-prof'];
const root = join(import.meta.dir, '..');
const upstream = await spawnHelper([join(import.meta.dir, 'fake-upstream.ts'), '--latency-ms', values['latency-ms']!]);
const g = gatewayEnv(upstream.port);
const profDir = join(g.dir, 'prof');

async function startSource(): Promise<{ proc: ReturnType<typeof Bun.spawn>; port: number }> {
  const port = freePort();
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const proc = Bun.spawn(['bun', ...flags, join(root, 'src/main.ts')], {
    cwd: g.dir, env: { ...g.env, LLM_PROXY__SERVER__PORT: String(port) }, stdout: 'ignore', stderr: 'inherit',
  });
  await waitFor200(`http://127.0.0.1:${port}/health`);
  return { proc, port };
}

// First start creates the database; the client key goes in before the profiled start.
let gw = await startSource();
await stop(gw.proc);
const key = createClientKey(g.dbPath);
if (prof) readdirSync(profDir).forEach((f) => Bun.spawnSync(['rm', join(profDir, f)]));
gw = await startSource();
const model = await pickModel(gw.port, key, ['openai-auto', 'openai/gpt-4o-mini']);
const spec = { url: `http://127.0.0.1:${gw.port}/v1/chat/completions`, body: body(model, values.stream!), headers: { authorization: `Bearer ${key}` }, connections: Number(values.c), durationS: Number(values.duration) };
const r = await runLoad(spec, hasWrk());
console.log(`${values.stream ? 'stream' : 'JSON'} c${values.c}: ${r.rps.toFixed(0)} rps, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms, non-2xx ${r.non2xx}`);
await stop(gw.proc);
await stop(upstream.proc);
if (prof) {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  console.log(`profile: ${join(profDir, file)}`);
  Bun.spawnSync(['bun', join(import.meta.dir, 'profile-summary.ts'), join(profDir, file), values.top!], { stdout: 'inherit', stderr: 'inherit' });
}
