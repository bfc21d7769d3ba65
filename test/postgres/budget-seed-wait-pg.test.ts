/**
 * A budget's period spend is read from PostgreSQL's rollups (an awaited query) when it is set and
 * at start. A request of that key arriving while the read is under way waits for it: admitted on a
 * spend counted from zero, it would start the period there, the read's answer would then be
 * dropped as stale, and every dollar spent earlier in the period would be forgotten (a key that
 * had spent $5 of a $1 budget served on).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { SQL } from 'bun';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const chat = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: 10 };
const DAY_MS = 86_400_000;

let db: TestDatabase;
let gw: TestGateway;
let fake: FakeUpstream;
let sql: SQL;
let admin: Session;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = startFakeUpstream(replayJson('openai', 'chat.json'));
  gw = await startGateway({ storeLogs: true, env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url } });
  sql = new SQL({ url: db.url, max: 2 });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  await sql?.close();
  await gw?.close();
  fake?.close();
  await db?.drop();
});

/** Holds every read of the rollups until `release` (a transaction holding the table's lock). */
async function lockRollups(): Promise<() => Promise<void>> {
  const tx = await sql.reserve();
  await tx`BEGIN`;
  await tx`LOCK TABLE usage_client_daily IN ACCESS EXCLUSIVE MODE`;
  return async () => {
    await tx`COMMIT`;
    tx.release();
  };
}

test('a request arriving while a new budget reads the spend from PostgreSQL waits for it: the period spent before is not forgotten', async () => {
  const made = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'seed-wait' } }));
  // $5 spent this month before the budget is set (as the log writer's daily rollup holds it).
  const day = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  await sql`INSERT INTO usage_client_daily (day, client_id, requests, cost_usd) VALUES (${day}, ${made.id}, 10, 5)`;

  const release = await lockRollups();
  let released = false;
  try {
    // The PATCH answers with the spend, so it waits on the lock too: sent, not awaited.
    const patched = api(gw, 'PATCH', `/api/clients/${made.id}`, { as: admin, body: { budget_usd: 1, budget_period: 'month' } });
    const limits = () => gw.ctx.state.getSnapshot().clientsById!.get(made.id)!.limits;
    for (let i = 0; i < 1000 && limits()?.scopes[0]!.budgetUsd !== 1; i++) await Bun.sleep(10);
    expect(limits()?.scopes[0]!.budgetUsd).toBe(1);

    // The budget is in force, its spend still being read: the request must not be served on $0.
    const first = apiError(gw.openai(made.key).chat.completions.create(chat));
    first.catch(() => {}); // awaited below, once the read is let through
    await Bun.sleep(300);
    await release();
    released = true;
    const err = await first;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('budget_exceeded');
    expect(err.headers?.get('x-should-retry')).toBe('false');
    expect((await patched).status).toBe(200);
  } finally {
    if (!released) await release();
  }
  // And it stays spent: the read's $5 is the period's spend.
  const again = await apiError(gw.openai(made.key).chat.completions.create(chat));
  expect(again.code).toBe('budget_exceeded');
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(made.id)!.limits!.scopes[0]!;
  expect(await gw.ctx.limits.counters.spend(scope, gw.ctx.limits.now())).toBeCloseTo(5, 9);
}, 60_000);
