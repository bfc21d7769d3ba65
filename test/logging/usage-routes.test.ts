import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorHandler } from '../../src/api/error-handler';
import { usageRoutes } from '../../src/api/usage-routes';
import { createAppContext } from '../../src/app-context';
import { login } from '../../src/auth/login-service';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import { clients } from '../../src/db/schema';
import { createLogSink } from '../../src/logging/log-sink';
import { HOUR_MS } from '../../src/logging/log-row-sql';
import { makeRecord } from './log-test-helpers';

const BASE = Date.UTC(2026, 10, 20, 0, 0, 0);
const N = 600;
let dir: string;
let ctx: AppContext;
let app: { handle(r: Request): Promise<Response> };

let token: string;

const get = async (path: string) => {
  const res = await app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-usage-api-'));
  const dbPath = join(dir, 'gg.db');
  ctx = createAppContext(loadConfig({ LLM_PROXY__DATABASE__PATH: dbPath, LLM_PROXY__ADMIN__PASSWORD: 'pw-for-tests' }));
  ctx.db.insert(clients).values([1, 2, 3].map((id) => ({ id, name: `client-${id}`, keyHash: `h${id}`, keyPrefix: 'gg-', createdAt: BASE }))).run();
  // Written through the real worker, so rollups are the writer's.
  const sink = createLogSink({ dbPath, retentionDays: 0 });
  // one record every 10 minutes: 600 records over 100 hours
  for (let i = 0; i < N; i++) sink.write(makeRecord(i, BASE + i * 600_000));
  await sink.close();
  app = new Elysia().use(errorHandler).use(usageRoutes(ctx));
  // The routes check the session themselves (not only the /api guard in front of them).
  token = (await login(ctx, 'admin', 'pw-for-tests', '127.0.0.1')).token;
});

test('the usage routes refuse a request without a session on their own (no /api guard mounted here)', async () => {
  for (const path of ['/api/logs', '/api/usage/summary', '/api/usage/timeseries', '/api/usage/breakdown']) {
    const res = await app.handle(new Request(`http://localhost${path}`));
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
  }
});

afterAll(() => {
  ctx.sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const rawSum = (where = '1=1', args: any[] = []) =>
  ctx.sqlite.query(`SELECT count(*) AS n, sum(prompt_tokens) AS p, sum(completion_tokens) AS o, sum(reasoning_tokens) AS r,
    sum(cached_tokens) AS c, sum(cost_usd) AS cost, sum(status >= 400 OR error_type IS NOT NULL) AS e,
    sum(endpoint = 'classifier') AS cls, sum(endpoint = 'classifier' AND (status >= 400 OR error_type IS NOT NULL)) AS cls_e
    FROM request_logs WHERE ${where}`).get(...args) as any;

describe('GET /api/usage/summary', () => {
  test('all time equals the raw rows (classifier calls cost money but are not requests)', async () => {
    const { status, body } = await get('/api/usage/summary');
    const raw = rawSum();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      requests: raw.n - raw.cls, errors: raw.e - raw.cls_e, prompt_tokens: raw.p, completion_tokens: raw.o,
      reasoning_tokens: raw.r, cached_tokens: raw.c,
    });
    expect(body.cost_usd).toBeCloseTo(raw.cost, 9);
    expect(body.requests).toBeGreaterThan(500);
  });
  test('range on whole hours, with a provider filter', async () => {
    const from = BASE + 10 * HOUR_MS, to = BASE + 20 * HOUR_MS;
    const { body } = await get(`/api/usage/summary?from=${from}&to=${new Date(to).toISOString()}&provider=openai`);
    const raw = rawSum('created_at >= ? AND created_at < ? AND provider = ?', [from, to, 'openai']);
    expect(body.prompt_tokens).toBe(raw.p);
    expect(body.requests).toBe(raw.n - raw.cls);
  });
  test('empty range is all zeros', async () => {
    const { body } = await get('/api/usage/summary?from=1&to=2');
    expect(body).toMatchObject({ requests: 0, errors: 0, prompt_tokens: 0, cost_usd: 0 });
  });
});

describe('GET /api/logs', () => {
  test('newest first, limited, with the documented fields', async () => {
    const { status, body } = await get('/api/logs?limit=5');
    expect(status).toBe(200);
    expect(body.data.length).toBe(5);
    expect(body.data.map((r: any) => r.request_id)).toEqual(['req-599', 'req-598', 'req-597', 'req-596', 'req-595']);
    const row = body.data[0];
    for (const k of ['id', 'created_at', 'client_id', 'model_requested', 'model', 'provider', 'status', 'stream', 'prompt_tokens',
      'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cost_usd', 'latency_ms', 'overhead_ms', 'error', 'route', 'estimated']) {
      expect(row).toHaveProperty(k);
    }
    expect(typeof row.stream).toBe('boolean');
    expect(row.created_at).toBe(BASE + 599 * 600_000);
  });
  test('before_id pages through every row exactly once', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const { body } = await get(`/api/logs?limit=97${cursor}`);
      if (body.data.length === 0) break;
      seen.push(...body.data.map((r: any) => r.request_id));
      cursor = `&before_id=${body.data.at(-1).id}`;
    }
    expect(seen.length).toBe(N);
    expect(new Set(seen).size).toBe(N);
  });
  test('filters: client, provider, model, status, time', async () => {
    const byClient = (await get('/api/logs?limit=1000&client_id=2&provider=deepseek')).body.data;
    expect(byClient.length).toBe(rawSum('client_id = 2 AND provider = ?', ['deepseek']).n);
    expect(byClient.every((r: any) => r.client_id === 2 && r.provider === 'deepseek')).toBe(true);
    const errors = (await get('/api/logs?limit=1000&status=error')).body.data;
    expect(errors.length).toBe(rawSum('status >= 400 OR error_type IS NOT NULL').e);
    expect(errors.every((r: any) => r.status >= 400)).toBe(true);
    const s502 = (await get('/api/logs?limit=1000&status=502')).body.data;
    expect(s502.length).toBe(errors.length);
    const model = (await get('/api/logs?limit=1000&model=gpt-4o-mini')).body.data;
    expect(model.length).toBeGreaterThan(0);
    expect(model.every((r: any) => r.model === 'gpt-4o-mini')).toBe(true);
    const timed = (await get(`/api/logs?limit=1000&from=${BASE}&to=${BASE + HOUR_MS}`)).body.data;
    expect(timed.length).toBe(6);
  });
});

describe('GET /api/usage/timeseries and /breakdown', () => {
  test('hourly buckets over a range, gaps filled, sums match', async () => {
    const from = BASE - 2 * HOUR_MS, to = BASE + 4 * HOUR_MS;
    const { status, body } = await get(`/api/usage/timeseries?bucket=hour&from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect(body.data.map((b: any) => b.t)).toEqual([0, 1, 2, 3, 4, 5].map((i) => from + i * HOUR_MS));
    expect(body.data[0].requests).toBe(0);
    const raw = rawSum('created_at >= ? AND created_at < ?', [BASE, BASE + HOUR_MS]);
    expect(body.data[2].prompt_tokens).toBe(raw.p);
  });
  test('daily buckets add up to the summary', async () => {
    const { body } = await get(`/api/usage/timeseries?bucket=day&from=${BASE}&to=${BASE + 5 * 24 * HOUR_MS}`);
    expect(body.data.length).toBe(5);
    const total = body.data.reduce((a: number, b: any) => a + b.requests, 0);
    expect(total).toBe((await get('/api/usage/summary')).body.requests);
  });
  test('breakdown by provider, model and client', async () => {
    const byProvider = (await get('/api/usage/breakdown?by=provider')).body.data;
    expect(byProvider.map((r: any) => r.key).sort()).toEqual(['deepseek', 'gemini', 'grok', 'openai']);
    expect(byProvider.find((r: any) => r.key === 'grok').prompt_tokens).toBe(rawSum('provider = ?', ['grok']).p);
    const byClient = (await get('/api/usage/breakdown?by=client')).body.data;
    expect(byClient.map((r: any) => r.label).sort()).toEqual(['client-1', 'client-2', 'client-3']);
    const byModel = (await get('/api/usage/breakdown?by=model&limit=2')).body.data;
    expect(byModel.length).toBe(2);
    expect(byModel[0].cost_usd).toBeGreaterThanOrEqual(byModel[1].cost_usd);
  });
});

describe('bad parameters are 400 in OpenAI error shape', () => {
  for (const q of ['/api/logs?limit=0', '/api/logs?limit=abc', '/api/logs?limit=5000', '/api/logs?from=yesterday',
    '/api/logs?status=teapot', '/api/logs?before_id=-1', '/api/usage/summary?from=10&to=5', '/api/usage/summary?client_id=x',
    '/api/usage/timeseries?bucket=week', '/api/usage/breakdown?by=color']) {
    test(q, async () => {
      const { status, body } = await get(q);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error' });
      expect(typeof body.error.message).toBe('string');
      expect(body.error.param).toBeTruthy();
    });
  }
});

describe('from/to are epoch milliseconds or ISO 8601, integers plain decimal digits', () => {
  // Each was read by Date.parse (a zone-less time as the server's local time, 2026-02-30 as March 2,
  // words as dates) or by Number ('007' as 7).
  const refused: [string, string][] = [
    ['/api/logs?from=Nov%2020%202026', 'from'],
    ['/api/logs?from=2026-11-20T05:00', 'from'],
    ['/api/logs?to=2026-11-20%2005:00:00Z', 'to'],
    ['/api/usage/summary?from=2026-02-30', 'from'],
    ['/api/usage/summary?to=Fri,%2020%20Nov%202026%2000:00:00%20GMT', 'to'],
    ['/api/usage/timeseries?from=2026-11-20T24:00:00Z', 'from'],
    ['/api/logs?from=01763596800000', 'from'],
    ['/api/logs?limit=007', 'limit'],
    ['/api/logs?client_id=02', 'client_id'],
    ['/api/usage/breakdown?limit=010', 'limit'],
    ['/api/logs?before_id=0100', 'before_id'],
  ];
  for (const [q, param] of refused) {
    test(`${q} is a 400 naming '${param}'`, async () => {
      const { status, body } = await get(q);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(body.error.message).toContain(`'${param}'`);
    });
  }

  test('the accepted spellings mean the same time: ms, a UTC date, a time with Z or an offset', async () => {
    const at = BASE + 24 * HOUR_MS; // 2026-11-21T00:00:00Z
    const forms = [String(at), '2026-11-21', '2026-11-21T00:00:00Z', '2026-11-21T00:00Z', '2026-11-21T00:00:00.000Z', '2026-11-21T02:00:00+02:00'];
    const answers = await Promise.all(forms.map((f) => get(`/api/logs?limit=1000&to=${encodeURIComponent(f)}`)));
    for (const a of answers) expect(a.status).toBe(200);
    const ids = answers.map((a) => a.body.data.map((r: any) => r.id).join(','));
    expect(new Set(ids).size).toBe(1);
    expect(answers[0]!.body.data.length).toBe(144);
    expect(answers[0]!.body.data.every((r: any) => new Date(r.created_at).getTime() < at)).toBe(true);
    const sums = await Promise.all(forms.map((f) => get(`/api/usage/summary?from=${encodeURIComponent(f)}`)));
    expect(new Set(sums.map((s) => s.body.requests)).size).toBe(1);
    expect((await get('/api/logs?client_id=0&limit=1')).status).toBe(200);
  });
});
