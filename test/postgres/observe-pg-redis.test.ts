/**
 * What an operator watches on a gateway on PostgreSQL and Redis (its own database and Redis
 * server): /health's documented fields, and /metrics as strict exposition with the documented
 * families, while Redis is down, then PostgreSQL is unreachable, then both are back. Requests are
 * served throughout; each leaves one row, written once PostgreSQL is back; counters never go back.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import { startOwnRedis, type OwnRedis } from '../cluster/own-redis';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { counterDecreases, parsePrometheus, valueOf } from '../metrics/parse-prometheus';

let db: TestDatabase;
let pgProxy: TcpProxy;
let redis: OwnRedis;
let gw: TestGateway;

beforeAll(async () => {
  db = await createTestDatabase('qa_observe');
  await migratePg(db.url, {});
  pgProxy = await startTcpProxy('127.0.0.1', 5432, 'postgres');
  redis = await startOwnRedis();
  gw = await startGateway({
    storeLogs: true,
    env: {
      LLM_PROXY__DATABASE__URL: databaseUrl(db.name, `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`),
      LLM_PROXY__REDIS__URL: redis.url,
      LLM_PROXY__INSTANCE_ID: 'observe "1"\\ é',
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
    },
  });
}, 60_000);

afterAll(async () => {
  pgProxy?.restore();
  await redis?.close();
  await gw?.close();
  pgProxy?.close();
  await db?.drop();
}, 30_000);

const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as any;
const scrape = async () => parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());

async function chat(): Promise<string> {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'hi' }] }) });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return res.headers.get('x-request-id')!;
}

const expectMonotonic = (before: Awaited<ReturnType<typeof scrape>>, after: Awaited<ReturnType<typeof scrape>>) => expect(counterDecreases(before, after)).toEqual([]);

const DOCUMENTED = [
  'gophergate_requests_total', 'gophergate_request_errors_total', 'gophergate_tokens_total', 'gophergate_cost_usd_total',
  'gophergate_request_duration_seconds', 'gophergate_overhead_seconds', 'gophergate_log_queue_depth', 'gophergate_log_dropped_total',
  'gophergate_circuit_state', 'gophergate_model_circuit_state', 'gophergate_requests_in_flight', 'gophergate_upstream_connections_in_use',
  'gophergate_upstream_requests_waiting', 'gophergate_upstream_overloaded_total', 'gophergate_out_of_files_refusals_total',
  'gophergate_background_responses', 'gophergate_upstream_queue_wait_seconds', 'gophergate_limit_refusals_total',
  'gophergate_team_spend_usd_total', 'gophergate_provider_key_state', 'gophergate_provider_key_model_state', 'gophergate_store_up',
  'gophergate_redis_up', 'gophergate_redis_reconnects_total', 'gophergate_redis_commands_total', 'gophergate_redis_errors_total',
  'gophergate_redis_published_total', 'gophergate_redis_received_total',
];

test('health and metrics through a Redis outage and a PostgreSQL outage; rows all written once after', async () => {
  const ids = [await chat()];
  const h = await health();
  expect(h).toMatchObject({
    status: 'ok', instance: 'observe "1"\\ é', store: 'postgres', store_reachable: true, redis: 'ok',
    log_queue: { depth: expect.any(Number), dropped: 0 }, background_responses: 0,
    upstream: { in_use: 0, waiting: 0, refused: 0, refused_out_of_files: 0 },
  });
  expect(typeof h.version).toBe('string');
  expect(h.uptime_s).toBeGreaterThanOrEqual(0);
  expect(h.requests_in_flight).toBe(0);
  expect(h.providers.mock).toMatchObject({ enabled: true, circuit: 'closed', model_circuits: [] });
  const first = await scrape();
  const missing = DOCUMENTED.filter((name) => !first.types.has(name));
  expect(missing).toEqual([]);
  // Every sample names the instance, escaped and read back as it is.
  expect(first.samples.filter((s) => s.labels.instance !== 'observe "1"\\ é')).toEqual([]);
  expect(valueOf(first.samples, 'gophergate_store_up')).toBe(1);
  expect(valueOf(first.samples, 'gophergate_redis_up')).toBe(1);

  // Redis down: degraded, served on.
  await redis.kill();
  expect(await eventually(async () => (await health()).redis === 'down')).toBe(true);
  expect(await health()).toMatchObject({ status: 'degraded', redis: 'down', store_reachable: true });
  ids.push(await chat());
  const redisDown = await scrape();
  expect(valueOf(redisDown.samples, 'gophergate_redis_up')).toBe(0);
  expectMonotonic(first, redisDown);

  // PostgreSQL unreachable too: rows wait, /health and /metrics say so.
  pgProxy.cut();
  expect(await eventually(async () => (await health()).store_reachable === false, 20_000)).toBe(true);
  for (let i = 0; i < 5; i++) ids.push(await chat());
  const both = await health();
  expect(both).toMatchObject({ status: 'degraded', redis: 'down', store_reachable: false });
  expect(both.log_queue.depth).toBeGreaterThanOrEqual(5);
  const pgDown = await scrape();
  expect(valueOf(pgDown.samples, 'gophergate_store_up')).toBe(0);
  expect(valueOf(pgDown.samples, 'gophergate_log_queue_depth')).toBe(both.log_queue.depth);
  expectMonotonic(redisDown, pgDown);

  // Both back: ok again, every row written once.
  await redis.start();
  pgProxy.restore();
  expect(await eventually(async () => (await health()).status === 'ok', 30_000)).toBe(true);
  expect(await eventually(async () => (await health()).log_queue.depth === 0, 30_000)).toBe(true);
  const sql = new SQL(db.url);
  try {
    const rows = await sql`SELECT request_id, count(*)::int AS n FROM request_logs WHERE request_id IN ${sql(ids)} GROUP BY request_id`;
    expect(rows.length).toBe(ids.length);
    expect(rows.filter((r: { n: number }) => r.n !== 1)).toEqual([]);
  } finally {
    await sql.close();
  }
  const after = await scrape();
  expectMonotonic(pgDown, after);
  expect(valueOf(after.samples, 'gophergate_log_dropped_total')).toBe(0);
  expect(valueOf(after.samples, 'gophergate_requests_total', { endpoint: 'chat' })).toBe(ids.length);
}, 120_000);
