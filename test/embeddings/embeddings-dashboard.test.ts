/**
 * Embeddings in the dashboard and the admin API: rows written by the real log writer (SQLite,
 * rollups), the Logs page's endpoint label and filter, /api/logs?endpoint=, and the Usage page's
 * model breakdown naming embedding models.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createLogSink } from '../../src/logging/log-sink';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiEmbeddingAnswer } from './fake-embeddings';

const dir = mkdtempSync(join(tmpdir(), 'gg-embed-dash-'));
const dbPath = join(dir, 'gg.db');
const openai = startFakeUpstream((_req, rec) => openaiEmbeddingAnswer(rec.body, 4));
let gw: TestGateway;
let admin: Session;
let embeddingRequestId: string;

beforeAll(async () => {
  // The worker sink prepares statements on open: the schema must exist first (as in app-context).
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  gw = await startGateway({
    env: { LLM_PROXY__DATABASE__PATH: dbPath, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ...providerEnv('openai', `${openai.url}/v1`) },
    logSink: createLogSink({ dbPath, flushMs: 10 }),
  });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const client = gw.openai();
  const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'dashboard me' }).withResponse();
  embeddingRequestId = response.headers.get('x-request-id')!;
  await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  for (let i = 0; i < 500; i++) {
    const n = gw.ctx.sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number };
    if (n.n >= 2) break;
    await Bun.sleep(10);
  }
});
afterAll(async () => {
  await gw.close();
  openai.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embeddings in the dashboard and /api/logs', () => {
  test('/api/logs carries the row (endpoint, tokens, cost) and filters by endpoint', async () => {
    const all = (await json(await api(gw, 'GET', '/api/logs?limit=10', { as: admin }))).data;
    expect(all.map((r: any) => r.endpoint).sort()).toEqual(['chat', 'embeddings']);
    const only = (await json(await api(gw, 'GET', '/api/logs?endpoint=embeddings', { as: admin }))).data;
    expect(only).toHaveLength(1);
    expect(only[0]).toMatchObject({ request_id: embeddingRequestId, endpoint: 'embeddings', model: 'text-embedding-3-small', prompt_tokens: 4, completion_tokens: 0 });
    expect(only[0].cost_usd).toBeCloseTo((4 * 0.02) / 1e6, 12);
    expect((await api(gw, 'GET', '/api/logs?endpoint=nonsense', { as: admin })).status).toBe(400);
  });

  test('the Logs page labels embeddings rows and filters by endpoint', async () => {
    const page = await (await fetch(`${gw.url}/logs`, { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('<option value="embeddings">embeddings</option>');
    expect(page).toContain(' · embeddings');
    const filtered = await (await fetch(`${gw.url}/logs?endpoint=embeddings`, { headers: { cookie: admin.cookie } })).text();
    expect(filtered).toContain('text-embedding-3-small');
    expect(filtered).not.toContain('mock/echo');
    expect(filtered).toContain('<option value="embeddings" selected>embeddings</option>');
  });

  test('the Usage page counts the embeddings request and names the model as embeddings', async () => {
    const page = await (await fetch(`${gw.url}/`, { headers: { cookie: admin.cookie } })).text();
    expect(page).toMatch(/<span class="clip" dir="auto" title="text-embedding-3-small">text-embedding-3-small<\/span><div class="muted small tag">embeddings<\/div>/);
  });
});

describe('Swagger', () => {
  test('the OpenAPI document describes embeddings and the stored-response routes', async () => {
    const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
    expect(doc.paths['/v1/embeddings'].post.summary).toContain('embeddings');
    expect(doc.paths['/v1/responses/{id}'].get.summary).toContain('Retrieve');
    expect(doc.paths['/v1/responses/{id}'].delete.summary).toContain('Delete');
    expect(doc.paths['/v1/responses/{id}/input_items'].get.description).toContain('limit');
    expect(doc.paths['/api/logs'].get.parameters.map((p: any) => p.name)).toContain('endpoint');
  });
});
