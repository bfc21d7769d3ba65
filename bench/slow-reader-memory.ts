#!/usr/bin/env bun
/**
 * What a stream costs the gateway while its client reads nothing. Runs the gateway IN THIS
 * PROCESS; a helper process runs an upstream that streams `--mb` MiB per answer as fast as its
 * socket takes it (node:net, waiting for 'drain', counting what it wrote) and `--streams` raw
 * TCP clients that stop reading after their first bytes. Once the upstream's writes stop, it
 * reports, per stalled stream: the gateway's RSS and array buffers after a full collection (what
 * the relay, the upstream reader and Bun's response sink hold), the kernel's socket queues on the
 * gateway's side (`ss`: bytes sent to the clients not yet taken, bytes from the upstream not yet
 * read), and how much of the answer the upstream got to write.
 *
 *   bun bench/slow-reader-memory.ts [--streams 50] [--mb 64]
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
const role = flag('role');

/** The frame the upstream repeats: an OpenAI chunk of 8 KiB of text. */
const frame = Buffer.from(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'x'.repeat(8192) }, finish_reason: null }] })}\n\n`);

if (role === 'peer') {
  // The upstream: --mb MiB per answer, chunked, as fast as the socket takes it.
  const total = Number(flag('mb', '64')) * MiB;
  let written = 0;
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', () => {
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      let sent = 0;
      const pump = () => {
        while (sent < total && !sock.destroyed) {
          sent += frame.length;
          written += frame.length;
          sock.write(`${frame.length.toString(16)}\r\n`);
          sock.write(frame);
          if (!sock.write('\r\n')) return void sock.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port }));
  // The clients: told where by one stdin line; each pauses once it got bytes.
  for await (const line of console) {
    const { url, headers, payload, streams } = JSON.parse(line) as { url: string; headers: Record<string, string>; payload: string; streams: number };
    const u = new URL(url);
    const head = `POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${Buffer.byteLength(payload)}\r\n\r\n`;
    let paused = 0;
    for (let i = 0; i < streams; i++) {
      const s = net.connect(Number(u.port), u.hostname);
      s.on('error', () => {});
      s.once('data', () => {
        s.pause();
        paused++;
      });
      s.write(head + payload);
    }
    while (paused < streams) await sleep(20);
    // Let the upstream write until the sockets are full, then say how much it wrote.
    let last = -1;
    while (last !== written) {
      last = written;
      await sleep(500);
    }
    console.log(JSON.stringify({ written, total: total * streams }));
  }
  process.exit(0);
}

const streams = Number(flag('streams', '50'));
const peer = Bun.spawn(['bun', import.meta.path, '--role', 'peer', '--mb', flag('mb', '64')!], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });
const next = jsonLines(peer.stdout);
const { port } = await next();
const target = startInProcessTarget(port, false);

function snapshot() {
  Bun.gc(true);
  const m = process.memoryUsage();
  const h = heapStats();
  return { rss: m.rss, arrayBuffers: m.arrayBuffers, heap: h.heapSize, extra: h.extraMemorySize };
}
/** Sum of one queue column (0 Recv-Q, 1 Send-Q) of `ss` over the sockets that match `filter`. */
function ssQueue(filter: string, column: 0 | 1): number {
  const out = Bun.spawnSync(['ss', '-tnH', 'state', 'established', filter]).stdout.toString();
  return out.split('\n').filter(Boolean).reduce((a, l) => a + Number(l.trim().split(/\s+/)[column]), 0);
}

await sleep(300);
const idle = snapshot();
peer.stdin.write(JSON.stringify({ url: target.url, headers: target.headers, payload: body(target.model, true), streams }) + '\n');
peer.stdin.flush();
const { written, total } = await next();
const busy = snapshot();
const toClients = ssQueue(`( sport = :${new URL(target.url).port} )`, 1);
const fromUpstream = ssQueue(`( dport = :${port} )`, 0);
const per = (bytes: number) => `${(bytes / streams / 1024).toFixed(0)} KiB per stream`;
console.log(`gateway: ${streams} streams whose clients read nothing, after a full collection`);
console.log(`  RSS                 ${(idle.rss / MiB).toFixed(0)} -> ${(busy.rss / MiB).toFixed(0)} MiB   ${per(busy.rss - idle.rss)}`);
console.log(`  JS heap             ${(idle.heap / MiB).toFixed(1)} -> ${(busy.heap / MiB).toFixed(1)} MiB   ${per(busy.heap - idle.heap)}`);
console.log(`  extra memory        ${(idle.extra / MiB).toFixed(1)} -> ${(busy.extra / MiB).toFixed(1)} MiB   ${per(busy.extra - idle.extra)} (buffers the heap points at)`);
console.log(`  array buffers       ${(idle.arrayBuffers / MiB).toFixed(1)} -> ${(busy.arrayBuffers / MiB).toFixed(1)} MiB   ${per(busy.arrayBuffers - idle.arrayBuffers)}`);
console.log(`  kernel, to clients  ${(toClients / MiB).toFixed(1)} MiB sent, not yet taken   ${per(toClients)}`);
console.log(`  kernel, from upstream ${(fromUpstream / MiB).toFixed(1)} MiB received, not yet read   ${per(fromUpstream)}`);
console.log(`  the upstream wrote ${(written / MiB).toFixed(0)} of ${(total / MiB).toFixed(0)} MiB   ${per(written)}`);
peer.kill();
await peer.exited;
await target.close();
process.exit(0);
