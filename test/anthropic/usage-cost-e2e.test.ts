import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createLogSink } from '../../src/logging/log-sink';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, apiLogRow, login, type Session } from '../helpers/admin-harness';
import { json, queue, sse } from './fake-anthropic';

// Real log writer (worker + SQLite), so the rows, rollups and admin API are the ones users read.
let dir: string;
let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
let session: Session;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-anthropic-usage-'));
  const dbPath = join(dir, 'gg.db');
  const opened = openDatabase(dbPath);
  runMigrations(opened.db);
  opened.sqlite.close();
  fake = startFakeUpstream();
  gw = await startGateway({
    env: { LLM_PROXY__DATABASE__PATH: dbPath, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url },
    logSink: createLogSink({ dbPath, retentionDays: 0, flushMs: 10 }),
  });
  client = gw.openai();
  session = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json', ...(init.headers as any) } });

const logRow = (requestId: string) => apiLogRow(gw, session, requestId);

describe('cache reads and writes: usage and cost exact in the log row', () => {
  test('the seeded claude model carries its cache-write price; PATCH changes it', async () => {
    const got = (await (await admin('/api/models/claude-sonnet-4-5')).json()) as any;
    expect(got).toMatchObject({ provider: 'anthropic', input_price: 3, cached_input_price: 0.3, cache_write_price: 3.75, output_price: 15 });
    const patched = (await (await admin('/api/models/claude-haiku-4-5', { method: 'PATCH', body: JSON.stringify({ cache_write_price: 1.5 }) })).json()) as any;
    expect(patched.cache_write_price).toBe(1.5);
    const bad = await admin('/api/models/claude-haiku-4-5', { method: 'PATCH', body: JSON.stringify({ cache_write_price: -1 }) });
    expect(bad.status).toBe(400);
  });

  test('non-stream cache write: prompt = input + write, cost at the cache-write rate', async () => {
    fake.handler = queue(json('cache-write.json'));
    const { data, response } = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Term?' }] }).withResponse();
    expect(data.usage).toMatchObject({ prompt_tokens: 2060, completion_tokens: 11, total_tokens: 2071, prompt_tokens_details: { cached_tokens: 0 } });
    const row = await logRow(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', prompt_tokens: 2060, cached_tokens: 0, cache_write_tokens: 2048, completion_tokens: 11, reasoning_tokens: 0 });
    expect(row.cost_usd).toBeCloseTo((12 * 3 + 2048 * 3.75 + 11 * 15) / 1e6, 12);
  });

  test('stream with cache read and write: the same numbers from message_start and message_delta', async () => {
    fake.handler = queue(sse('cache-read.sse'));
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Clause?' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let usage: any = null;
    for await (const c of stream) if (c.usage) usage = c.usage;
    expect(usage).toEqual({
      prompt_tokens: 2362, completion_tokens: 8, total_tokens: 2370,
      // The 300 written to the cache, told as OpenRouter tells them (OpenAI has no field for them).
      prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 300 }, completion_tokens_details: { reasoning_tokens: 0 },
    });
    const row = await logRow(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ prompt_tokens: 2362, cached_tokens: 2048, cache_write_tokens: 300, completion_tokens: 8, stream: true });
    expect(row.cost_usd).toBeCloseTo((14 * 3 + 2048 * 0.3 + 300 * 3.75 + 8 * 15) / 1e6, 12);
  });

  test('/api/usage/summary adds up cache writes', async () => {
    const summary = (await (await admin('/api/usage/summary')).json()) as any;
    expect(summary.cache_write_tokens).toBe(2048 + 300);
    expect(summary.cached_tokens).toBe(2048);
    // /metrics counts them too, as a token kind of their own.
    const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
    const m = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'cache_write' })).toBe(2048 + 300);
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'input' })).toBe(2060 + 2362);
  });

  test('the Logs and Usage pages show cache writes', async () => {
    const signIn = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'test-admin-password' }), redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const logs = await (await fetch(`${gw.url}/logs?provider=anthropic`, { headers: { cookie } })).text();
    const writes = [...logs.matchAll(/<div class="muted small cache-write"[^>]*>([^<]*)<\/div>/g)].map((m) => m[1]);
    expect(writes.sort()).toEqual(['2k cache write', '300 cache write']);
    const rows = ((await (await admin('/api/logs?provider=anthropic')).json()) as { data: any[] }).data;
    const detail = await (await fetch(`${gw.url}/logs/${rows.find((r) => r.cache_write_tokens === 300).id}`, { headers: { cookie } })).text();
    expect(detail).toContain('2k cached, 300 cache write');
    const usage = await (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
    expect(usage).toContain('(2k cached, 2.3k cache write)');
    // Each breakdown (provider, model, client) shows them under the token count.
    expect(usage.match(/<div class="muted small cache-write"[^>]*>2.3k cache write<\/div>/g)).toHaveLength(3);
    const models = await (await fetch(`${gw.url}/models?provider=anthropic`, { headers: { cookie } })).text();
    expect(models).toContain('name="cache_write_price" value="3.75"');
  });

  test('the Providers page\'s connection test lists Anthropic\'s models with its own headers', async () => {
    fake.handler = () => Response.json({ data: [{ type: 'model', id: 'claude-sonnet-4-5-20250929' }, { type: 'model', id: 'claude-haiku-4-5-20251001' }], has_more: false });
    const res = (await (await admin('/api/providers/anthropic/test', { method: 'POST' })).json()) as any;
    expect(res).toMatchObject({ ok: true, status: 200, models: 2, error: null });
    const sent = fake.last();
    expect(sent.method).toBe('GET');
    expect(sent.path).toBe('/v1/models');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test-0123456789');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
  });
});
