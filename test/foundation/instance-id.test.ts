/** LLM_PROXY__INSTANCE_ID on the default SQLite store: /health, log rows and metrics name the instance. */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { hostname } from 'node:os';
import { loadConfig } from '../../src/config/config';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__INSTANCE_ID: 'gw-sqlite-7', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

test('the default instance id is the host name and pid', () => {
  expect(loadConfig({}).instanceId).toBe(`${hostname()}-${process.pid}`);
  expect(loadConfig({ LLM_PROXY__INSTANCE_ID: ' eu-1 ' }).instanceId).toBe('eu-1');
});

test('LLM_PROXY__DATABASE__URL must be a PostgreSQL URL', () => {
  expect(() => loadConfig({ LLM_PROXY__DATABASE__URL: 'sqlite:///tmp/x.db' })).toThrow(/PostgreSQL URL/);
  expect(loadConfig({ LLM_PROXY__DATABASE__URL: 'postgres://u@h:5432/db' }).database.url).toBe('postgres://u@h:5432/db');
});

test('/health names the instance, the sqlite store and redis off', async () => {
  const h = (await (await fetch(`${gw.url}/health`)).json()) as any;
  expect(h).toMatchObject({ status: 'ok', instance: 'gw-sqlite-7', store: 'sqlite', redis: 'off' });
});

test('a request\u2019s SQLite row carries the instance; /metrics samples carry it as a label', async () => {
  const { response } = await gw
    .openai()
    .chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'which instance?' }] })
    .withResponse();
  const requestId = response.headers.get('x-request-id')!;
  let row: { instance: string | null } | null = null;
  for (let i = 0; i < 100 && !row; i++) {
    row = gw.ctx.sqlite.query('SELECT instance FROM request_logs WHERE request_id = ?').get(requestId) as { instance: string | null } | null;
    if (!row) await Bun.sleep(50);
  }
  expect(row).toEqual({ instance: 'gw-sqlite-7' });
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  expect(text).toMatch(/gophergate_requests_total\{instance="gw-sqlite-7",[^}]*provider="mock"[^}]*\} 1/);
});
