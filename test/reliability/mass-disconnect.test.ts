/**
 * A thousand clients leaving mid-stream at once (a load balancer restarting, a batch job killed):
 * every request leaves exactly one 499 row, every upstream call is closed, nothing stays counted
 * (requests in flight, upstream slots, the key's max_parallel and budget reservation), the key can
 * use all its slots again, and the gateway keeps nothing of those requests once they are gone
 * (the heap's object count after a full collection does not grow with them).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { heapStats } from 'bun:jsc';
import type { Socket } from 'bun';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

setDefaultTimeout(60_000);

const N = 1000;
const CHUNKS = readChunks('openai', 'text.chunks.txt');
let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  // Two chunks, then silence until the gateway cancels (a long generation).
  fake = startFakeUpstream((_req, _rec, f) => sseResponse(CHUNKS, { hangAfter: 2, onAbort: () => f.noteAbort() }));
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '120' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const chatJson = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });

/** A raw client that sends one streamed chat request and keeps what it receives. */
async function streamClient(key: string): Promise<{ sock: Socket<undefined>; text(): string }> {
  let text = '';
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(new URL(gw.url).port),
    socket: { data: (_s, d) => void (text += new TextDecoder().decode(d)), error: () => {} },
  });
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${chatJson.length}\r\n\r\n${chatJson}`);
  return { sock, text: () => text };
}

async function health(): Promise<{ requests_in_flight: number; upstream: { in_use: number; waiting: number } }> {
  return (await fetch(`${gw.url}/health`)).json() as any;
}

/** N streams of a key with max_parallel N, all mid-stream, all hung up at once; checks what is left. */
async function burst(name: string) {
  const c = gw.addClient(name);
  gw.ctx.db.update(clients).set({ maxParallel: N, budgetUsd: 50, budgetPeriod: 'total' }).where(eq(clients.id, c.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  const abortsBefore = fake.aborts;
  const streams: { sock: Socket<undefined>; text(): string }[] = [];
  for (let i = 0; i < N; i++) streams.push(await streamClient(c.key));
  await until(() => streams.every((s) => s.text().includes('data: ')), 30_000, 50);
  const ids = streams.map((s) => /x-request-id: ([\w-]+)\r\n/.exec(s.text())![1]!);
  for (const s of streams) s.sock.terminate();

  const rows = await gw.waitForClientRows(c.id, N, 30_000);
  expect(new Set(rows.map((r) => r.requestId))).toEqual(new Set(ids));
  for (const r of rows) expect(r).toMatchObject({ status: 499, errorType: 'client_closed_request' });
  await fake.waitForAbort(abortsBefore + N, 20_000);
  let h = await health();
  const deadline = Date.now() + 15_000;
  while ((h.requests_in_flight > 0 || h.upstream.in_use > 0) && Date.now() < deadline) {
    await Bun.sleep(100);
    h = await health();
  }
  expect(h).toMatchObject({ requests_in_flight: 0, upstream: { in_use: 0, waiting: 0 } });
  expect(gw.ctx.limits.counters.outstanding(scope)).toMatchObject({ inFlight: 0 });
  expect((gw.ctx.limits.counters.outstanding(scope) as { reservedUsd: number }).reservedUsd).toBeCloseTo(0, 12);
  // Nothing more was written for them: one row each.
  await Bun.sleep(200);
  expect(gw.logs.filter((l) => l.clientId === c.id)).toHaveLength(N);
  return c;
}

/** The heap's live objects after a full collection, with what the test itself keeps cleared. */
async function liveObjects(): Promise<number> {
  gw.logs.length = 0;
  fake.requests.length = 0;
  Bun.gc(true);
  await Bun.sleep(100);
  Bun.gc(true);
  return heapStats().objectCount;
}

test(`${N} clients leaving mid-stream at once: one 499 row each, every upstream closed, every slot back, nothing kept`, async () => {
  // A first burst warms every code path (compiled code, pools), so the second measures only what requests leave behind.
  await burst('leaves mid-stream, warm-up');
  const before = await liveObjects();
  const c = await burst('leaves mid-stream');
  // Its max_parallel slots are all free again: N streams at once are admitted (the answers are 200, not 429).
  const again: { sock: Socket<undefined>; text(): string }[] = [];
  for (let i = 0; i < N; i++) again.push(await streamClient(c.key));
  await until(() => again.every((s) => s.text().startsWith('HTTP/1.1 ')), 30_000, 50);
  expect(new Set(again.map((s) => s.text().slice(0, 12)))).toEqual(new Set(['HTTP/1.1 200']));
  for (const s of again) s.sock.terminate();
  await gw.waitForClientRows(c.id, 2 * N, 30_000);
  await fake.waitForAbort(3 * N, 20_000);
  await until(() => gw.ctx.upstreamSlots.inUse === 0, 15_000);
  again.length = 0; // the test's own clients, not the gateway's
  // A request's state (its row, relay, upstream call, timers) is dozens of objects (~84 while it
  // waits: BENCHMARKS.md): kept for each of 2N requests, the count would grow by 100,000 or more.
  // Alone this test sees well under one object per request; in the whole suite other files share the
  // process and their timers and caches move the count by a few thousand (4,076 seen once in CI), so
  // the bound is five objects per request, far below what a kept request leaves.
  const after = await liveObjects();
  console.log(`live objects after ${2 * N} more requests left mid-stream: ${before} -> ${after}`);
  expect(after - before).toBeLessThan(10 * N);
});
