#!/usr/bin/env bun --expose-gc
/**
 * Does anything the gateway keeps per process grow with what clients send? An in-process gateway
 * (real SQLite log writer) in front of a loopback fake upstream takes tens of thousands of varied
 * requests: successes (JSON and streams), upstream 500s and 429s, clients that leave mid-stream or
 * before the answer, refusals by key limits, unknown models, bad JSON, bridged and forwarded
 * Responses, Messages, embeddings, DeepSeek tool turns (reasoning remembered), each with a fresh
 * model name, x-request-id, `user` and metadata keys; limited keys and pool keys are made, used and
 * deleted. After a warm-up and again at the end (quiet, full GC) it prints every Map, Set and array
 * reachable from the AppContext whose size grew, the /metrics size and the RSS.
 *
 *   bun bench/leaks.ts [--requests 20000] [--concurrency 32]
 *
 * Loopback only. Not a test: it prints numbers to read (growth that stops at a bound is fine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppContext } from '../src/app-context';
import { hashClientKey } from '../src/auth/client-auth';
import { loadConfig } from '../src/config/config';
import { clients } from '../src/db/schema';
import { createBreakerRegistry } from '../src/routing/circuit-breaker';
import { listen } from '../src/serve';
import { flag } from './bench-args';

const REQUESTS = Number(flag('requests', '20000'));
const CONCURRENCY = Number(flag('concurrency', '32'));
const progress = (m: string) => process.stderr.write(`[leaks] ${m}\n`);
const rand = () => Math.random().toString(36).slice(2, 10);

// ---- the fake upstream: OpenAI's (and DeepSeek's) wire shapes, the behaviour named in the model ----
const enc = new TextEncoder();
const chunk = (model: string, delta: object, finish: string | null = null, usage?: object) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const USAGE = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
const BIG = 'x'.repeat(300 * 1024);

function completion(model: string, content: string, extra: object = {}) {
  return Response.json({
    id: `chatcmpl-${rand()}`, object: 'chat.completion', created: 1, model,
    choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, finish_reason: 'stop' }], usage: USAGE,
  });
}

const upstream = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    const body = (await req.json().catch(() => ({}))) as any;
    const model: string = body.model ?? '';
    if (path.endsWith('/embeddings')) return Response.json({ object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
    if (path.endsWith('/responses')) {
      const id = `resp_${rand()}${rand()}`;
      return Response.json({
        id, object: 'response', created_at: 1, status: 'completed', model, output: [{ id: `msg_${rand()}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }],
        usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
      });
    }
    if (model.includes('e500')) return Response.json({ error: { message: 'boom', type: 'server_error', code: null } }, { status: 500 });
    if (model.includes('e429')) return Response.json({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'retry-after': '0' } });
    if (model.includes('slow')) await Bun.sleep(200);
    if (model.includes('bigslow')) await Bun.sleep(Math.random() * 20);
    if (model.includes('big')) return completion(model, BIG);
    if (model.includes('tool')) {
      const calls = [{ id: `call_${rand()}${rand()}`, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }];
      return Response.json({
        id: `chatcmpl-${rand()}`, object: 'chat.completion', created: 1, model,
        choices: [{ index: 0, message: { role: 'assistant', content: null, reasoning_content: `thinking ${rand()} `.repeat(200), tool_calls: calls }, finish_reason: 'tool_calls' }], usage: USAGE,
      });
    }
    if (!body.stream) return completion(model, 'ok');
    const hang = model.includes('hang');
    let i = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(c) {
          if (i < 5) return c.enqueue(enc.encode(chunk(model, { content: `w${i++} ` })));
          if (hang) return new Promise<void>(() => {}); // silent until the gateway leaves
          c.enqueue(enc.encode(chunk(model, {}, 'stop', USAGE) + 'data: [DONE]\n\n'));
          c.close();
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  },
});
const up = `http://127.0.0.1:${upstream.port}`;

// ---- the gateway, in this process, so its context can be walked ----
const dir = mkdtempSync(join(tmpdir(), 'gg-leaks-'));
const config = loadConfig({
  LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'),
  LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32),
  LLM_PROXY__ADMIN__PASSWORD: 'leaks-admin-password',
  LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${up}/v1`, OPENAI_API_KEY: 'sk-leaks-openai-0123456789',
  LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: `${up}/v1`, DEEPSEEK_API_KEY: 'sk-leaks-deepseek-0123456789',
  LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '30',
});
// Circuits that never open, so upstream failures keep reaching the upstream (model circuits are still made).
const ctx = await openAppContext(config, { breakers: createBreakerRegistry({ failureThreshold: 1e9 }), warn: () => {} });
const app = listen(ctx, '127.0.0.1', 0);
const gw = `http://127.0.0.1:${app.server!.port}`;
const addClient = (name: string, limits: Partial<typeof clients.$inferInsert> = {}) => {
  const key = `gg-leaks-${crypto.randomUUID().replaceAll('-', '')}`;
  ctx.db.insert(clients).values({ name, keyHash: hashClientKey(key), keyPrefix: key.slice(0, 10), createdAt: Date.now(), ...limits }).run();
  return key;
};
const plainKey = addClient('plain');
const limitedKey = addClient('limited', { rpm: 30, maxParallel: 2 } as any);
ctx.state.reload();

// ---- the requests ----
const statuses = new Map<string, number>();
const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
const chatBody = (model: string, extra: object = {}) => ({
  model, messages: [{ role: 'user', content: `hello ${rand()}` }], user: `u-${rand()}`, metadata: { [`k${rand()}`]: rand() }, ...extra,
});

async function one(i: number): Promise<void> {
  const kind = i % 16;
  const headers: Record<string, string> = { authorization: `Bearer ${plainKey}`, 'content-type': 'application/json', 'x-request-id': `${rand()}${rand()}` };
  let path = '/v1/chat/completions';
  let body: unknown;
  let abortAfterMs: number | null = null;
  let readFirstChunk = false;
  switch (kind) {
    case 0: body = chatBody(`openai/ok-${rand()}`); break;
    case 1: body = chatBody(`openai/ok-${rand()}`, { stream: true, stream_options: { include_usage: true } }); break;
    case 2: body = chatBody(`openai/e500-${rand()}`); break;
    case 3: body = chatBody(`openai/e429-${rand()}`, { stream: true }); break;
    case 4: body = chatBody(`openai/hang-${rand()}`, { stream: true }); readFirstChunk = true; break;
    case 5: body = chatBody(`openai/slow-${rand()}`); abortAfterMs = 20; break;
    case 6: body = chatBody(`gpt-4o-mini`); headers.authorization = `Bearer ${limitedKey}`; break;
    case 7: body = chatBody(`no-such-model-${rand()}`); break;
    case 8: body = '{"model": "gpt-4o", "messages": ['; break;
    case 9: path = '/v1/responses'; body = { model: `deepseek/ok-${rand()}`, input: `hi ${rand()}`, metadata: { [`m${rand()}`]: 'v' } }; break;
    case 10: path = '/v1/responses'; body = { model: `openai/ok-${rand()}`, input: `hi ${rand()}`, previous_response_id: i % 32 < 16 ? undefined : `resp_${rand()}` }; break;
    case 11: path = '/v1/messages'; body = { model: `openai/ok-${rand()}`, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: rand() } }; break;
    case 12: path = '/v1/embeddings'; body = { model: `openai/emb-${rand()}`, input: 'hello' }; break;
    case 13: body = chatBody(`deepseek/deepseek-reasoner-tool-${rand()}`, { tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }] }); break;
    case 14: body = chatBody(`openai/big${i % 32 < 16 ? '' : 'slow'}-${rand()}`); if (i % 32 >= 16) abortAfterMs = Math.random() * 25; break;
    case 15: body = chatBody(`openai/ok-${rand()}`, { stream: true }); headers.authorization = `Bearer sk-bad-${rand()}`; break;
  }
  const ac = new AbortController();
  const timer = abortAfterMs !== null ? setTimeout(() => ac.abort(), abortAfterMs) : null;
  try {
    const res = await fetch(`${gw}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), signal: ac.signal });
    count(`${kind}:${res.status}`);
    if (readFirstChunk) {
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      await reader.cancel().catch(() => {});
    } else await res.arrayBuffer();
  } catch {
    count(`${kind}:aborted`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function drive(n: number, from: number): Promise<void> {
  let next = from;
  const end = from + n;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < end) await one(next++);
  }));
}

// ---- admin churn: limited keys made, used, revoked; monitor sockets opened and closed ----
const adminToken = await fetch(`${gw}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'leaks-admin-password' }) })
  .then((r) => r.json() as Promise<{ token: string }>).then((j) => j.token);
const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${gw}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
async function churn(rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const made = (await (await admin('POST', '/api/clients', { name: `churn-${rand()}`, rpm: 100, tpm: 100000, max_parallel: 4 })).json()) as { id: number; key: string };
    // A pool key beside the env key: requests pick between them by weight while it lives.
    const pooled = (await (await admin('POST', '/api/providers/openai/keys', { key: `sk-leaks-pool-${rand()}${rand()}` })).json()) as { id: string };
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' }, body: JSON.stringify(chatBody(`openai/ok-${rand()}`)) });
      count(`churn:${res.status}`);
      await res.arrayBuffer();
    }
    await admin('DELETE', `/api/clients/${made.id}`);
    await admin('DELETE', `/api/providers/openai/keys/${pooled.id}`);
    const ws = new WebSocket(`${gw.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${adminToken}` } } as any);
    await new Promise<void>((resolve) => {
      ws.onopen = () => ws.close();
      ws.onclose = () => resolve();
      ws.onerror = () => resolve();
    });
  }
}

// ---- what the context holds ----
type Sizes = Map<string, number>;
const SKIP = new Set(['sqlite', 'db', 'store', 'config', 'secretBox']);
function sizesOf(root: object): Sizes {
  const out: Sizes = new Map();
  const seen = new WeakSet<object>();
  const visit = (v: unknown, path: string, depth: number) => {
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 7) return;
    seen.add(v);
    if (v instanceof Map || v instanceof Set) {
      out.set(path, v.size);
      let i = 0;
      for (const e of v.values()) if (i++ < 50) visit(e, `${path}[]`, depth + 1);
      return;
    }
    if (Array.isArray(v)) {
      out.set(path, Math.max(out.get(path) ?? 0, v.length));
      for (let i = 0; i < Math.min(v.length, 50); i++) visit(v[i], `${path}[]`, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(v) || v instanceof Request || v instanceof Response || v instanceof ReadableStream) return;
    for (const k of Object.getOwnPropertyNames(v)) {
      if (depth === 0 && SKIP.has(k)) continue;
      let child: unknown;
      try {
        child = (v as any)[k];
      } catch {
        continue;
      }
      visit(child, `${path}.${k}`, depth + 1);
    }
  };
  visit(root, 'ctx', 0);
  return out;
}

async function quiet(): Promise<{ rss: number; heap: number; metricsBytes: number; sizes: Sizes }> {
  await Bun.sleep(1500); // rows written, streams ended
  await ctx.responseStore.flush();
  for (let i = 0; i < 3; i++) Bun.gc(true);
  const metrics = await fetch(`${gw}/metrics`).then((r) => r.text());
  const sizes = sizesOf(ctx);
  // Held in closures or behind getters, out of the walk's reach.
  sizes.set('breakers.heldKeys()', ctx.breakers.heldKeys().length);
  sizes.set('logSink.stats().depth', (ctx.logSink.stats() as { depth?: number }).depth ?? 0);
  sizes.set('responseStore.memory.cachedBytes', ctx.responseStore.memory.cachedBytes);
  sizes.set('backgroundJobs.held.jobs', ctx.backgroundJobs.held.jobs);
  sizes.set('reasoning.heldChars', (ctx.reasoning as { heldChars?: number }).heldChars ?? 0);
  sizes.set('pendingLogWrites.size', (ctx.pendingLogWrites as unknown as { pending: Set<unknown> }).pending.size);
  return { rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed, metricsBytes: metrics.length, sizes };
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
progress(`warm-up: ${Math.min(2000, REQUESTS / 10)} requests`);
await drive(Math.min(2000, REQUESTS / 10), 0);
await churn(20);
const before = await quiet();
progress(`load: ${REQUESTS} requests, ${CONCURRENCY} at once`);
const t0 = Date.now();
for (let done = 0; done < REQUESTS; done += 5000) {
  await Promise.all([drive(Math.min(5000, REQUESTS - done), 100_000 + done), churn(50)]);
  progress(`${done + Math.min(5000, REQUESTS - done)} sent, rss ${mb(process.memoryUsage.rss())}`);
}
const after = await quiet();
console.log(`${REQUESTS} requests in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`outcomes (scenario:status): ${[...statuses].sort().map(([k, n]) => `${k}=${n}`).join(' ')}`);
console.log(`rss ${mb(before.rss)} -> ${mb(after.rss)}; heap ${mb(before.heap)} -> ${mb(after.heap)}; /metrics ${before.metricsBytes} -> ${after.metricsBytes} bytes`);
console.log('structures that grew (after warm-up -> end; bounds: circuits 1000, key states per model 4096, reasoning 10k ids / 32 Mi chars, cached responses 500 / 64 MiB):');
for (const [path, n] of after.sizes) {
  const was = before.sizes.get(path) ?? 0;
  if (n > was) console.log(`  ${path}: ${was} -> ${n}`);
}
await app.stop(true);
ctx.state.stop();
await ctx.logSink.close();
await ctx.store.close();
upstream.stop(true);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
