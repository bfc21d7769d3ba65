/**
 * Client behaviour and memory: a client that leaves mid-stream cancels the upstream promptly and
 * the delivered part is logged; an enormous upstream stream passes through without the gateway
 * holding it (RSS growth bounded, loosely).
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import type { CircuitBreakers } from '../../src/routing/circuit-breaker';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const CHUNKS = readChunks('openai', 'text.chunks.txt');
let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '20' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});
beforeEach(() => {
  (gw.ctx.breakers as CircuitBreakers).reset();
  gw.logs.length = 0;
});

const body = (extra = {}) => JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }], ...extra });

test('a client that disconnects mid-stream aborts the upstream; the row is 499 with usage for what was delivered', async () => {
  const abortsBefore = fake.aborts;
  // three chunks, then the upstream keeps the stream open (a long generation)
  fake.handler = (_r, _x, f) => sseResponse(CHUNKS, { hangAfter: 3, onAbort: () => f.noteAbort() });
  const controller = new AbortController();
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: body(), signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('! How')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  await fake.waitForAbort(abortsBefore + 1, 3000);
  const [row] = await gw.waitForLogs(1);
  expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', stream: true, estimated: true, provider: 'openai' });
  expect(row!.completionTokens).toBeGreaterThan(0);
  expect(row!.completionTokens).toBeLessThan(10);
  expect(row!.promptTokens).toBeGreaterThan(0);
});

test('a client that disconnects before the upstream answered aborts the upstream call', async () => {
  let aborted!: () => void;
  const sawAbort = new Promise<void>((r) => (aborted = r));
  fake.handler = (req) =>
    new Promise<Response>(() => {
      req.signal.addEventListener('abort', () => aborted());
    });
  const controller = new AbortController();
  const pending = gw.fetch('/v1/chat/completions', { method: 'POST', body: body({ stream: false }), signal: controller.signal }).catch((e) => e);
  while (fake.requests.length === 0 || fake.last().body?.stream !== false) await Bun.sleep(5);
  controller.abort();
  await pending;
  await Promise.race([sawAbort, Bun.sleep(3000).then(() => Promise.reject(new Error('upstream never saw the abort')))]);
  const [row] = await gw.waitForLogs(1);
  expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', completionTokens: 0 });
});

test('an enormous stream (~300 MB) passes through with bounded memory', async () => {
  const piece = 'x'.repeat(32 * 1024);
  const chunk = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  const COUNT = 9600; // ~300 MB of content
  const enc = new TextEncoder();
  const frame = enc.encode(`data: ${chunk}\n\n`);
  fake.handler = () => {
    let i = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (i++ < COUNT) return c.enqueue(frame);
          c.enqueue(enc.encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 999, total_tokens: 1004 } })}\n\ndata: [DONE]\n\n`));
          c.close();
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  };
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  let peak = before;
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: body() });
  const reader = res.body!.getReader();
  let bytes = 0;
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (++n % 200 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  expect(bytes).toBeGreaterThan(COUNT * piece.length);
  const [row] = await gw.waitForLogs(1);
  expect(row).toMatchObject({ status: 200, completionTokens: 999, estimated: false });
  // The stream was ~300 MB; holding it (or its text) would grow RSS by at least that much. Garbage
  // not yet collected accounts for most of the growth that remains, hence the loose bound.
  const growthMb = (peak - before) / 1024 / 1024;
  console.log(`enormous stream: ${Math.round(bytes / 1048576)} MB relayed, RSS growth ${Math.round(growthMb)} MB`);
  expect(growthMb).toBeLessThan(200);
}, 60_000);

test('a prompt that is one 1M-char word is estimated without stalling the gateway', async () => {
  // No usage from the upstream forces an estimate of the prompt; BPE on one huge word used to
  // take minutes on the main thread.
  const noUsage = CHUNKS.filter((c) => !c.includes('"usage":{'));
  fake.handler = () => sseResponse(noUsage);
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: body({ messages: [{ role: 'user', content: 'x'.repeat(1_000_000) }] }) });
  expect(res.status).toBe(200);
  await res.text();
  const [row] = await gw.waitForLogs(1, 10_000);
  expect(row).toMatchObject({ status: 200, estimated: true });
  expect(row!.promptTokens).toBeGreaterThan(1_000_000 / 10);
  expect(row!.promptTokens).toBeLessThan(1_000_000);
});
