/**
 * Client behaviour and memory: a client that leaves mid-stream cancels the upstream promptly and
 * the delivered part is logged; an enormous upstream stream passes through without the gateway
 * holding it (the peak RSS of a gateway process of its own grows far less than the stream).
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, procStatusBytes, resetPeakRss, startGatewayProcess } from '../helpers/gateway-process';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const CHUNKS = readChunks('openai', 'text.chunks.txt');
let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  // The idle timeout is far beyond every wait below: only the client's going away can end a
  // hanging upstream here.
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '120' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});
beforeEach(() => {
  gw.ctx.breakers.reset();
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
  // Prompt in practice (ms); the generous wait is for a loaded machine, not for a slow gateway.
  await fake.waitForAbort(abortsBefore + 1, 15_000);
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', stream: true, estimated: true, provider: 'openai' });
  expect(row!.completionTokens).toBeGreaterThan(0);
  expect(row!.completionTokens).toBeLessThan(10);
  expect(row!.promptTokens).toBeGreaterThan(0);
}, 30_000);

test('a client that disconnects before the upstream answered aborts the upstream call', async () => {
  let aborted!: () => void;
  const sawAbort = new Promise<void>((r) => (aborted = r));
  fake.handler = (req) =>
    new Promise<Response>(() => {
      req.signal.addEventListener('abort', () => aborted());
    });
  const controller = new AbortController();
  // No answer, so no x-request-id: the row is found by a client of this test's own.
  const own = gw.addClient('disconnects before headers');
  const pending = gw
    .fetch('/v1/chat/completions', { method: 'POST', body: body({ stream: false }), signal: controller.signal, headers: { authorization: `Bearer ${own.key}` } })
    .catch((e) => e);
  while (fake.requests.length === 0 || fake.last().body?.stream !== false) await Bun.sleep(5);
  controller.abort();
  await pending;
  await Promise.race([sawAbort, Bun.sleep(15_000).then(() => Promise.reject(new Error('upstream never saw the abort')))]);
  const rows = await gw.waitForClientRows(own.id, 1);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 499, errorType: 'client_closed_request', completionTokens: 0 });
}, 30_000);

test('an enormous stream (~300 MB) passes through with bounded memory', async () => {
  // Measured on a gateway process of its own: the test runner's RSS also moves with the fake
  // upstream producing the stream, the client reading it, and every earlier test's garbage.
  const piece = 'x'.repeat(32 * 1024);
  const chunk = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  const COUNT = 9600; // ~300 MB of content
  const enc = new TextEncoder();
  const frame = enc.encode(`data: ${chunk}\n\n`);
  const end = enc.encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 999, total_tokens: 1004 } })}\n\ndata: [DONE]\n\n`);
  const streamOf = (count: number) => () => {
    let i = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (i++ < count) return c.enqueue(frame);
          c.enqueue(end);
          c.close();
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  };
  const dir = mkdtempSync(join(tmpdir(), 'gg-memory-'));
  const dbPath = join(dir, 'gophergate.db');
  const p = await startGatewayProcess({
    cwd: dir, dbPath, adminPassword: 'memory-admin-password',
    env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-memory-provider-key-0123456789' },
  });
  try {
    const key = await createClientKey(p.url, 'memory-admin-password');
    /** Streams `count` frames through the gateway process, reading (and dropping) every byte. */
    const relay = async (count: number) => {
      fake.handler = streamOf(count);
      const res = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body() });
      expect(res.status).toBe(200);
      let bytes = 0;
      for await (const b of res.body!) bytes += b.byteLength;
      return bytes;
    };
    // A short stream first, so the baseline includes what any stream costs once (code, buffers).
    await relay(200);
    const before = procStatusBytes(p.proc.pid, 'VmRSS');
    resetPeakRss(p.proc.pid);
    const bytes = await relay(COUNT);
    const peak = procStatusBytes(p.proc.pid, 'VmHWM');
    expect(bytes).toBeGreaterThan(COUNT * piece.length);
    const rows = await waitForRows(dbPath, 2);
    expect(rows[0]).toEqual({ status: 200, completion_tokens: 999, estimated: 0 });
    // Holding the stream (or its text) would grow the peak RSS by at least its ~300 MB; what
    // grows is garbage not yet collected (GC runs when it likes), hence the loose bound.
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`enormous stream: ${Math.round(bytes / 1048576)} MB relayed, gateway peak RSS growth ${Math.round(growthMb)} MB`);
    expect(growthMb).toBeLessThan(150);
  } finally {
    p.proc.kill('SIGTERM');
    await p.proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** The newest chat rows the gateway process wrote, once there are `n` (rows land after a flush). */
async function waitForRows(dbPath: string, n: number): Promise<{ status: number; completion_tokens: number; estimated: number }[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const db = new Database(dbPath, { readonly: true });
    try {
      const rows = db.query('SELECT status, completion_tokens, estimated FROM request_logs ORDER BY id DESC').all() as any[];
      if (rows.length >= n) return rows;
    } finally {
      db.close();
    }
    if (Date.now() > deadline) throw new Error(`expected ${n} log rows in ${dbPath}`);
    await Bun.sleep(50);
  }
}

test('a prompt that is one 1M-char word is estimated without stalling the gateway', async () => {
  // No usage from the upstream forces an estimate of the prompt; BPE on one huge word used to
  // take minutes on the main thread.
  const noUsage = CHUNKS.filter((c) => !c.includes('"usage":{'));
  fake.handler = () => sseResponse(noUsage);
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: body({ messages: [{ role: 'user', content: 'x'.repeat(1_000_000) }] }) });
  expect(res.status).toBe(200);
  await res.text();
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 200, estimated: true });
  expect(row!.promptTokens).toBeGreaterThan(1_000_000 / 10);
  expect(row!.promptTokens).toBeLessThan(1_000_000);
}, 30_000);
