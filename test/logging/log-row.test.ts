/**
 * The one log-row type: the row the request path builds is written by the sinks under the
 * table's columns and shown by /api/logs, the monitor and the dashboard under the same names.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { LOG_COLUMNS, logJson, type LogRow } from '../../src/logging/log-row';
import { INSERT_LOG_SQL, logRowValues } from '../../src/logging/log-row-sql';
import { checkLogRowRoundTrip, PUBLIC_LOG_JSON_KEYS } from '../helpers/log-row-round-trip';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

// Starts a gateway with the real log writer and a monitor socket: seconds on a loaded machine.
setDefaultTimeout(30_000);

const minimal: LogRow = {
  createdAt: 1, requestId: 'r1', clientId: null, endpoint: 'chat', modelRequested: 'm', model: null, provider: null, route: null,
  stream: true, status: 200, errorType: null, error: null, promptTokens: 3, cachedTokens: 0, completionTokens: 2, reasoningTokens: 0,
  estimated: false, costUsd: Number.NaN, latencyMs: 5, ttfbMs: null, overheadMs: 1,
};

test('each key is its column name in camelCase (the LogJson type relies on it)', () => {
  for (const c of LOG_COLUMNS) expect(c.name).toBe(c.key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`));
});

test('a row left without its optional fields is written and shown with the columns\' defaults', () => {
  const values = Object.fromEntries(LOG_COLUMNS.map((c, i) => [c.name, logRowValues(minimal)[i]]));
  expect(values).toMatchObject({ stream: 1, estimated: 0, images: 0, cache_write_tokens: 0, cost_usd: 0, body: null, queue_ms: null, instance: null, cost_unknown: 0 });
  expect(INSERT_LOG_SQL.match(/\?/g)!.length).toBe(LOG_COLUMNS.length);
  const shown = logJson(minimal);
  expect(Object.keys(shown).sort()).toEqual(PUBLIC_LOG_JSON_KEYS);
  expect(shown).toMatchObject({ parent_request_id: null, images: 0, cache_write_tokens: 0, instance: null, stream: true, cost_unknown: false });
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__INSTANCE_ID: 'sqlite-1' } });
});
afterAll(() => gw?.close());

test('a request\'s row in SQLite reads the same in /api/logs, the monitor and the dashboard', async () => {
  const row = await checkLogRowRoundTrip(gw);
  expect(row.instance).toBe('sqlite-1');
});
