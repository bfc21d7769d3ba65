/**
 * A real gateway on a loopback port with fake upstreams, driven by the official `openai` client.
 * Fresh SQLite file per gateway; log records are captured in memory.
 */
import OpenAI from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { createAppContext } from '../../src/app-context';
import { imagesRoutes } from '../../src/api/images-routes';
import { responsesRoutes } from '../../src/api/responses-routes';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import type { LogRecord, LogSink } from '../../src/logging/log-record';

export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}

/** A fake upstream: `routes` maps `METHOD path` (or a path suffix after `*`) to a handler. */
export function fakeUpstream(handler: (req: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      const text = await req.text();
      const s: Seen = {
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body: text ? JSON.parse(text) : null,
      };
      seen.push(s);
      return handler(s);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

export const json = (body: unknown, status = 200) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** SSE from a `*.chunks.txt`-style list: each payload as `data:`; `event:` lines when named. */
export function sse(payloads: { event?: string; data: string }[]): Response {
  const body = payloads.map((p) => (p.event ? `event: ${p.event}\n` : '') + `data: ${p.data}\n\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

export async function fixtureText(rel: string): Promise<string> {
  return Bun.file(new URL(`../fixtures/${rel}`, import.meta.url)).text();
}

export interface TestGateway {
  ctx: AppContext;
  client: OpenAI;
  baseUrl: string;
  key: string;
  clientId: number;
  logs: LogRecord[];
  close(): Promise<void>;
}

export async function startTestGateway(bases: Partial<Record<'openai' | 'gemini' | 'deepseek', string>>): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gg-resp-'));
  const env: Record<string, string> = {
    LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'),
    LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32),
    LLM_PROXY__ADMIN__PASSWORD: 'test-password',
  };
  if (bases.openai) Object.assign(env, { OPENAI_API_KEY: 'sk-test-openai', LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${bases.openai}/v1` });
  if (bases.gemini) Object.assign(env, { GEMINI_API_KEY: 'gm-test-key', LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: bases.gemini });
  if (bases.deepseek) Object.assign(env, { DEEPSEEK_API_KEY: 'sk-test-deepseek', LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: bases.deepseek });
  const logs: LogRecord[] = [];
  const logSink: LogSink = { write: (r) => void logs.push(r), stats: () => ({ depth: 0, dropped: 0, written: logs.length }), close: async () => {} };
  const ctx = createAppContext(loadConfig(env), { logSink, warn: () => {} });
  const key = `gg-test-${crypto.randomUUID()}`;
  const hash = new Bun.CryptoHasher('sha256').update(key).digest('hex');
  ctx.sqlite.run('INSERT INTO clients (name, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?)', ['tests', hash, key.slice(0, 10), Date.now()]);
  const clientId = (ctx.sqlite.query('SELECT id FROM clients WHERE key_hash = ?').get(hash) as { id: number }).id;
  ctx.state.reload();
  const app = createApp(ctx).use(imagesRoutes(ctx)).use(responsesRoutes(ctx)).listen({ port: 0, hostname: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${app.server!.port}`;
  const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
  return {
    ctx, client, baseUrl, key, clientId, logs,
    async close() {
      await app.stop(true);
      ctx.state.stop();
      ctx.sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Log rows are written after the answer went out; wait until `n` of `endpoint` arrived. */
export async function waitForLogs(logs: LogRecord[], endpoint: LogRecord['endpoint'], n: number): Promise<LogRecord[]> {
  for (let i = 0; i < 200; i++) {
    const rows = logs.filter((l) => l.endpoint === endpoint);
    if (rows.length >= n) return rows;
    await Bun.sleep(5);
  }
  throw new Error(`expected ${n} '${endpoint}' log rows, got ${logs.filter((l) => l.endpoint === endpoint).length}`);
}
