/**
 * /v1/messages and /v1/messages/count_tokens in the dashboard: rows written by the real log
 * writer (SQLite), the Logs page's endpoint filter and labels, the cache-write count of a native
 * Anthropic answer, and /api/logs?endpoint=.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createLogSink } from '../../src/logging/log-sink';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';

const dir = mkdtempSync(join(tmpdir(), 'gg-messages-dash-'));
const dbPath = join(dir, 'gg.db');
let fake: FakeUpstream;
let gw: TestGateway;
let admin: Session;
let messageId: string;
let countId: string;

beforeAll(async () => {
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  fake = startFakeUpstream((_r, rec) => (rec.path.endsWith('/count_tokens') ? Response.json({ input_tokens: 42 }) : Response.json(anthropicJson('cache-write.json'))));
  gw = await startGateway({
    env: { LLM_PROXY__DATABASE__PATH: dbPath, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url },
    logSink: createLogSink({ dbPath, flushMs: 10 }),
  });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const client = anthropicClient(gw);
  const m = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'Term?' }] }).withResponse();
  messageId = m.response.headers.get('x-request-id')!;
  const c = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Term?' }] }).withResponse();
  countId = c.response.headers.get('x-request-id')!;
  await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  for (let i = 0; i < 500; i++) {
    const n = gw.ctx.sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number };
    if (n.n >= 3) break;
    await Bun.sleep(10);
  }
});
afterAll(async () => {
  await gw.close();
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('messages and count_tokens in the dashboard and /api/logs', () => {
  test('/api/logs filters by endpoint messages / count_tokens; the native row carries its cache writes', async () => {
    const messages = (await json(await api(gw, 'GET', '/api/logs?endpoint=messages', { as: admin }))).data;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ request_id: messageId, endpoint: 'messages', provider: 'anthropic', prompt_tokens: 2060, cache_write_tokens: 2048, completion_tokens: 11 });
    const counts = (await json(await api(gw, 'GET', '/api/logs?endpoint=count_tokens', { as: admin }))).data;
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({ request_id: countId, endpoint: 'count_tokens', cost_usd: 0 });
  });

  test('the Logs page lists both endpoints in its filter, labels their rows and filters by them', async () => {
    const page = await (await fetch(`${gw.url}/logs`, { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('<option value="messages">messages</option>');
    expect(page).toContain('<option value="count_tokens">count_tokens</option>');
    expect(page).toContain(' · messages');
    expect(page).toContain(' · count_tokens');
    expect(page).toContain('2k cache write');
    // Anthropic's overloaded status, which /v1/messages rows record as the client got it.
    expect(page).toContain('<option value="529">529</option>');
    const filtered = await (await fetch(`${gw.url}/logs?endpoint=messages`, { headers: { cookie: admin.cookie } })).text();
    expect(filtered).toContain('<option value="messages" selected>messages</option>');
    expect(filtered).toContain(' · messages');
    expect(filtered).not.toContain(' · count_tokens');
    expect(filtered).not.toContain('mock/echo');
  });
});

test('Swagger describes the native Anthropic pass-through on both routes', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  expect(doc.paths['/v1/messages'].post.description).toContain("Anthropic's own JSON / event stream");
  expect(doc.paths['/v1/messages/count_tokens'].post.description).toContain("Anthropic's own count");
});
