#!/usr/bin/env bun
/**
 * What one giant SSE event costs the gateway. Runs the gateway IN THIS PROCESS; a helper process
 * runs an upstream whose stream is one small chunk, then ONE chat chunk of `--mb` MiB of content
 * written in `--piece-kb` KiB writes (`--delay-ms` apart, so the gateway sees it in many reads),
 * then `[DONE]`; and `--streams` clients that read their answers and drop them. Reports the
 * gateway's RSS peak (sampled every 10 ms, no forced collection) against the idle process, per
 * stream and as a multiple of the event's size, plus the JS heap and the memory outside it at that
 * peak. `--json`: instead, whole JSON answers that never end (refused at MAX_UPSTREAM_BODY_BYTES).
 *
 *   bun bench/big-event-memory.ts [--streams 20] [--mb 30] [--piece-kb 64] [--delay-ms 1] [--json]
 *
 * Loopback only; bounded waits.
 */
import { heapStats } from 'bun:jsc';
import net from 'node:net';
import { flag } from './bench-args';
import { startInProcessTarget } from './lib/in-process-target';
import { body } from './lib/scenarios';
import { jsonLines, sleep } from './lib/processes';

const MiB = 1024 * 1024;
const json = process.argv.includes('--json');

if (flag('role') === 'peer') {
  const size = Number(flag('mb', '30')) * MiB;
  const piece = Number(flag('piece-kb', '64')) * 1024;
  const delayMs = Number(flag('delay-ms', '1'));
  const chunk = (text: string | Buffer) => Buffer.concat([Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n`), Buffer.from(text), Buffer.from('\r\n')]);
  const head = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"`;
  const tail = `"},"finish_reason":null}]}`;
  const filler = Buffer.alloc(piece, 'x');
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', async () => {
      sock.write(`HTTP/1.1 200 OK\r\ncontent-type: ${json ? 'application/json' : 'text/event-stream'}\r\ntransfer-encoding: chunked\r\n\r\n`);
      if (!json) sock.write(chunk(`data: ${head}hi${tail}\n\ndata: ${head}`));
      // --json: the answer never ends (the gateway refuses it at its cap); else one event of `size`.
      for (let sent = 0; (json || sent < size) && !sock.destroyed; sent += piece) {
        if (!sock.write(chunk(filler))) await new Promise((r) => sock.once('drain', r));
        if (delayMs) await sleep(delayMs);
      }
      if (sock.destroyed) return;
      sock.write(chunk(`${tail}\n\ndata: ${head}bye"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`));
      sock.end('0\r\n\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port }));
  for await (const line of console) {
    const { url, headers, payload, streams } = JSON.parse(line) as { url: string; headers: Record<string, string>; payload: string; streams: number };
    const results = await Promise.all(
      Array.from({ length: streams }, async () => {
        const res = await fetch(url, { method: 'POST', headers, body: payload });
        let bytes = 0;
        for await (const b of res.body!) bytes += b.byteLength;
        return { status: res.status, bytes };
      }),
    );
    console.log(JSON.stringify({ results }));
  }
  process.exit(0);
}

const streams = Number(flag('streams', '20'));
const mb = Number(flag('mb', '30'));
const peer = Bun.spawn(['bun', import.meta.path, '--role', 'peer', '--mb', String(mb), '--piece-kb', flag('piece-kb', '64')!, '--delay-ms', flag('delay-ms', '1')!, ...(json ? ['--json'] : [])], {
  stdin: 'pipe', stdout: 'pipe', stderr: 'inherit',
});
const next = jsonLines(peer.stdout);
const { port } = await next();
const target = startInProcessTarget(port, process.argv.includes("--forwarder"));

await sleep(300);
Bun.gc(true);
const idle = { rss: process.memoryUsage().rss, ...heapStats() };
let peak = { rss: 0, heap: 0, extra: 0 };
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  if (rss > peak.rss) {
    const h = heapStats();
    peak = { rss, heap: h.heapSize, extra: h.extraMemorySize };
  }
}, 10);
const t0 = performance.now();
peer.stdin.write(JSON.stringify({ url: target.url, headers: target.headers, payload: body(target.model, true), streams }) + '\n');
peer.stdin.flush();
const { results } = (await next()) as { results: { status: number; bytes: number }[] };
clearInterval(sampler);
const ms = performance.now() - t0;
const per = (bytes: number) => `${(bytes / streams / MiB).toFixed(1)} MiB per stream`;
const statuses = [...new Set(results.map((r) => r.status))].join(',');
console.log(`gateway: ${streams} streams, each ${json ? 'an endless JSON answer' : `one ${mb} MiB SSE event`}; status ${statuses}, ${(results[0]!.bytes / MiB).toFixed(1)} MiB to each client, ${(ms / 1000).toFixed(1)} s`);
console.log(`  RSS peak      ${(idle.rss / MiB).toFixed(0)} -> ${(peak.rss / MiB).toFixed(0)} MiB   ${per(peak.rss - idle.rss)}${json ? '' : `, ${((peak.rss - idle.rss) / streams / (mb * MiB)).toFixed(1)}x the event`}`);
console.log(`  at the peak   JS heap ${(peak.heap / MiB).toFixed(0)} MiB, extra memory ${(peak.extra / MiB).toFixed(0)} MiB (buffers the heap points at)`);
peer.kill();
await peer.exited;
await target.close();
process.exit(0);
