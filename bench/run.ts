#!/usr/bin/env bun
/**
 * `bun run bench`: the gateway binary against the physical limit on this machine.
 *
 * Starts a fake OpenAI upstream, the bare Bun forwarder and the gateway binary (client-key
 * auth, heuristic group routing, usage accounting and the log writer all on), drives them with
 * wrk (or a Bun client loop) at c16/c64, JSON and stream, interleaved A B C A B C, then checks
 * stream TTFB, cold start, log rows vs requests, and runs the component benches.
 * Loopback only; every loop is bounded. `--help` lists the options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { BINARY, ROOT, ensureBinary } from './lib/binary';
import { measureColdStart } from './lib/cold-start';
import { countLogRows, createClientKey, gatewayEnv, pickModel, startGateway } from './lib/gateway';
import { hasWrk, runFixedCount } from './lib/load';
import { readOptions } from './lib/options';
import { createClusterStore, storeServersCpuMs, type ClusterStore } from './lib/cluster-store';
import { spawnHelper, stop, sleep, waitFor200 } from './lib/processes';
import { renderText, verdicts, type BenchReport } from './lib/report';
import { body, runMatrix, warmUp, type Target } from './lib/scenarios';
import { runSubBenches } from './lib/sub-benches';
import { measureTtfb } from './lib/ttfb';

const opts = readOptions(process.argv.slice(2));
const progress = (m: string) => process.stderr.write(`[bench] ${m}\n`);
/** --cluster: PostgreSQL + Redis instead of SQLite; set in main() before any count. */
let store: ClusterStore | undefined;
const countRows = async (dbPath: string) => (store ? store.countLogRows() : countLogRows(dbPath));

async function stopAndCount(proc: Subprocess<any, any, any>, dbPath: string) {
  const t0 = performance.now();
  const exitCode = await stop(proc, 60_000);
  const drainMs = performance.now() - t0;
  const { rows, byStatus } = await countRows(dbPath);
  return { rows, byStatus, drainMs, exitCode };
}

/** Waits until the gateway's log queue is empty and the row count stops moving. */
async function settledRows(port: number, dbPath: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const h = (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json())) as { log_queue?: { depth: number } };
    const rows = (await countRows(dbPath)).rows;
    if ((h.log_queue?.depth ?? 0) === 0 && rows === last) return rows;
    last = rows;
    await sleep(100);
  }
  throw new Error('log queue did not settle');
}

async function main(): Promise<void> {
  ensureBinary(progress);
  const useWrk = opts.useWrk && hasWrk();
  progress(`load generator: ${useWrk ? 'wrk -t1' : 'built-in Bun client'}`);
  // Whatever happens, no helper outlives the bench.
  const children: Subprocess<any, any, any>[] = [];
  const cleanup = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  process.on('exit', cleanup);

  const upstream = await spawnHelper([join(import.meta.dir, 'fake-upstream.ts'), '--chunks', String(opts.chunks), '--latency-ms', String(opts.latencyMs)]);
  children.push(upstream.proc);
  const forwarder = await spawnHelper([join(import.meta.dir, 'forwarder.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`]);
  children.push(forwarder.proc);

  const g = gatewayEnv(upstream.port);
  if (opts.cluster) {
    store = await createClusterStore();
    Object.assign(g.env, store.env);
    progress(`cluster mode: PostgreSQL ${store.env.LLM_PROXY__DATABASE__URL} + Redis prefix ${store.env.LLM_PROXY__REDIS__PREFIX}`);
  }
  progress(`cold start x${opts.coldStarts} (temp dir ${g.dir})`);
  // Cluster mode: one database, so only the first start is a fresh one.
  const coldStart = await measureColdStart(BINARY, g, opts.coldStarts, opts.quick || store ? 1 : 3);

  const key = store ? await store.createClientKey(opts.limits) : createClientKey(g.dbPath, opts.limits);
  const gw = await startGateway(BINARY, g);
  children.push(gw.proc);
  const model = await pickModel(gw.port, key, ['openai-auto', 'openai/gpt-4o-mini']);
  progress(`gateway pid ${gw.proc.pid} on :${gw.port}, model '${model}'`);
  const baselineRows = await settledRows(gw.port, g.dbPath);

  let sent = 0;
  let completed = 0;
  const path = '/v1/chat/completions';
  const targets: Target[] = [
    { name: 'direct', url: `http://127.0.0.1:${upstream.port}${path}`, headers: {}, model: 'gpt-4o-mini', pid: upstream.proc.pid },
    { name: 'forwarder', url: `http://127.0.0.1:${forwarder.port}${path}`, headers: {}, model: 'gpt-4o-mini', pid: forwarder.proc.pid },
    { name: 'gateway', url: `http://127.0.0.1:${gw.port}${path}`, headers: { authorization: `Bearer ${key}` }, model, pid: gw.proc.pid },
  ];
  const hooks = { useWrk, durationS: opts.durationS, rounds: opts.rounds, gatewayPid: gw.proc.pid, onGatewayLoad: (r: { sent: number; completed: number }) => ((sent += r.sent), (completed += r.completed)), progress };
  progress('warm-up');
  await warmUp(targets, hooks);
  const storeCpu0 = store ? storeServersCpuMs() : 0;
  const sentBefore = sent;
  const scenarios = await runMatrix(targets, opts.connections, hooks);
  // PostgreSQL + Redis server CPU during the load matrix, per gateway request sent (cluster mode).
  const storeServers = store ? { cpu_ms: storeServersCpuMs() - storeCpu0, gateway_requests: sent - sentBefore, cpu_us_per_request: 0 } : undefined;
  if (storeServers) storeServers.cpu_us_per_request = Math.round((storeServers.cpu_ms * 1000) / Math.max(1, storeServers.gateway_requests));

  progress(`stream TTFB x${opts.ttfbRounds}`);
  const ttfbTargets = targets.map((t) => ({ name: t.name, url: t.url, headers: t.headers, body: body(t.model, true) }));
  const ttfb = await measureTtfb(ttfbTargets, opts.ttfbRounds, 20);
  sent += opts.ttfbRounds + 20;
  completed += opts.ttfbRounds + 20;

  progress('SIGTERM the gateway, wait for the log drain');
  await sleep(200); // let wrk's closed sockets reach the gateway before it stops accepting
  const afterLoad = await stopAndCount(gw.proc, g.dbPath);
  // wrk stops mid-flight: a request it wrote in its last instant may never be read by the
  // gateway, so the load phase can only bound the rows (answered <= rows <= sent).
  const loadRows = afterLoad.rows - baselineRows;

  // The exact check: a fixed number of requests, each awaited, then SIGTERM at once (the
  // queue still holds rows), then count. Nothing may be missing.
  progress(`log accounting: ${opts.accountingRequests} requests, then SIGTERM`);
  const gw2 = await startGateway(BINARY, g);
  children.push(gw2.proc);
  await waitFor200(`http://127.0.0.1:${gw2.port}/v1/models`, 10_000, { headers: { authorization: `Bearer ${key}` } });
  const before = (await countRows(g.dbPath)).rows;
  const fixed = await runFixedCount({
    url: `http://127.0.0.1:${gw2.port}${path}`, headers: { authorization: `Bearer ${key}` },
    bodies: [body(model, false), body(model, true)], total: opts.accountingRequests, connections: 16,
  });
  const exact = await stopAndCount(gw2.proc, g.dbPath);
  const logs = {
    load: { sent, answered: completed, rows: loadRows, drainMs: afterLoad.drainMs, exitCode: afterLoad.exitCode },
    exact: { sent: fixed.sent, ok: fixed.ok, rows: exact.rows - before, byStatus: exact.byStatus, drainMs: exact.drainMs, exitCode: exact.exitCode },
  };

  await stop(forwarder.proc);
  await stop(upstream.proc);
  await store?.close();
  const subBenches = opts.subBenches ? await runSubBenches(ROOT, opts.quick, progress) : [];

  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(), bun: Bun.version, cores: navigator.hardwareConcurrency, load: useWrk ? 'wrk -t1' : 'bun-client',
      duration_s: opts.durationS, rounds: opts.rounds, upstream_latency_ms: opts.latencyMs, chunks: opts.chunks, model, quick: opts.quick, limits: opts.limits, store: store ? 'postgres+redis' : 'sqlite',
    },
    scenarios, ttfb, coldStart, logs, subBenches, ...(storeServers ? { storeServers } : {}),
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `bench-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ ...report, verdicts: verdicts(report) }, null, 2));
  if (opts.json) console.log(JSON.stringify({ ...report, verdicts: verdicts(report) }));
  else {
    const extra = storeServers
      ? `\n\n== PostgreSQL + Redis server processes during the load matrix ==\ncpu ${storeServers.cpu_ms} ms over ${storeServers.gateway_requests} gateway requests: ${storeServers.cpu_us_per_request} µs/request on top of the gateway's CPU µs/req`
      : '';
    console.log(renderText(report) + extra + `\n\n(raw figures: ${file})`);
  }
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(`[bench] failed: ${(err as Error).stack ?? err}`);
  await store?.close().catch(() => {});
  process.exit(1);
}
