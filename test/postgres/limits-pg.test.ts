/**
 * Teams, key limits and provider key pools on a PostgreSQL-backed gateway: a team made through
 * /api/teams, a key whose budget is passed by the spend PostgreSQL's rollups hold (read when the
 * budget is set) refused with budget_exceeded, and a provider key added through the API used for
 * the next request, its id on the row in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { SQL } from 'bun';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { envSlot } from '../helpers/env-key';

const POOL_KEY = 'sk-pool-PLAINTEXT-pg-key-5e6f7a8b9c0dPGPG';
const chat = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: 10 };

async function until<T>(get: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(50);
  }
}

describe('teams, budgets and provider key pools on PostgreSQL', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  let fake: FakeUpstream;
  let sql: SQL;
  let admin: Session;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = startFakeUpstream(replayJson('openai', 'chat.json'));
    gw = await startGateway({
      storeLogs: true,
      env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'pg-limits-1' },
    });
    sql = new SQL(db.url);
    admin = await login(gw, 'admin', ADMIN_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await sql?.close();
    await gw?.close();
    fake?.close();
    await db?.drop();
  });

  /** The request's row, once the PostgreSQL writer has committed it. */
  const rowOf = (requestId: string) =>
    until(async () => (await sql`SELECT client_id, status, cost_usd, error_type, provider_key_id, instance FROM request_logs WHERE request_id = ${requestId}`)[0]);

  test('a team made through /api/teams; a key over its budget is refused with budget_exceeded, also by a second instance that reads the spend from PostgreSQL', async () => {
    const made = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'pg-team', budget_usd: 100, budget_period: 'month' } });
    expect(made.status).toBe(201);
    const team = await json(made);
    expect(team).toMatchObject({ name: 'pg-team', budget_usd: 100, spend_usd: 0, client_ids: [] });
    expect((await sql`SELECT name FROM teams WHERE id = ${team.id}`)[0]).toEqual({ name: 'pg-team' });
    expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'pg-team' } })).status).toBe(409);

    const created = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'pg budget key', team_id: team.id } });
    expect(created.status).toBe(201);
    const { id, key } = await json(created);
    expect((await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'no such team', team_id: 999_999 } })).status).toBe(400);

    // A first request without a budget: its cost reaches PostgreSQL's rollups.
    const { response } = await gw.openai(key).chat.completions.create(chat).withResponse();
    const first = await rowOf(response.headers.get('x-request-id')!);
    expect(Number(first.client_id)).toBe(id);
    const spent = Number(first.cost_usd);
    expect(spent).toBeGreaterThan(0);
    const daily = await until(async () => (await sql`SELECT cost_usd FROM usage_client_daily WHERE client_id = ${id}`)[0]);
    expect(Number(daily.cost_usd)).toBeCloseTo(spent, 12);

    // The team lists its key and the key's spend (read from PostgreSQL).
    const teams = await json(await api(gw, 'GET', '/api/teams', { as: admin }));
    const listed = teams.data.find((t: any) => t.id === team.id);
    expect(listed.client_ids).toEqual([id]);
    expect(listed.spend_usd).toBeCloseTo(spent, 12);

    // A budget below what was spent this month: the period spend is read from PostgreSQL when it is set.
    const patched = await api(gw, 'PATCH', `/api/clients/${id}`, { as: admin, body: { budget_usd: spent / 2 } });
    expect(patched.status).toBe(200);
    expect((await json(patched)).spend_usd).toBeCloseTo(spent, 12);
    // The first request after the change is refused: one arriving while the spend is read waits for it.
    const err = await apiError(gw.openai(key).chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('budget_exceeded');
    expect(err.status).toBe(429);

    // A second instance starting on the same database knows nothing in memory: it reads the key's
    // period spend from PostgreSQL's rollups and refuses the key at once.
    const second = await startGateway({
      storeLogs: true,
      env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'pg-limits-2' },
    });
    try {
      const scope = second.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
      const seeded = await until(async () => second.ctx.limits.counters.spend(scope, Date.now()) as number | null);
      expect(seeded).toBeCloseTo(spent, 12);
      const there = await apiError(second.openai(key).chat.completions.create(chat));
      expect(there.code).toBe('budget_exceeded');
    } finally {
      await second.close();
    }
    // The refusal leaves its row in PostgreSQL too.
    const refused = await until(async () => (await sql`SELECT status FROM request_logs WHERE client_id = ${id} AND error_type = 'budget_exceeded'`)[0]);
    expect(Number(refused.status)).toBe(429);

    // The teams page renders from PostgreSQL; deleting the team keeps its key, without a team.
    const page = await fetch(`${gw.url}/teams`, { headers: { cookie: admin.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('pg-team');
    expect((await api(gw, 'DELETE', `/api/teams/${team.id}`, { as: admin })).status).toBe(200);
    expect(await sql`SELECT id FROM teams`).toEqual([]);
    expect((await json(await api(gw, 'GET', `/api/clients/${id}`, { as: admin }))).team_id).toBeNull();
  }, 60_000);

  test('a provider key added through the API is used, and its id is on the row in PostgreSQL', async () => {
    const added = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: POOL_KEY, label: 'pg-pool' } });
    expect(added.status).toBe(201);
    const { id: keyId } = await json(added);
    expect((await sql`SELECT label, key_last4 FROM provider_keys WHERE id = ${Number(keyId)}`)[0]).toEqual({ label: 'pg-pool', key_last4: 'PGPG' });
    // Only the added key is usable: the environment's key is set aside.
    gw.ctx.keyPool.states.setAside('openai', envSlot(gw), Date.now());

    const { response } = await gw.openai().chat.completions.create(chat).withResponse();
    expect(fake.last().headers.authorization).toBe(`Bearer ${POOL_KEY}`);
    const row = await rowOf(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ provider_key_id: keyId, instance: 'pg-limits-1' });

    // The pool listing reads its 24 h usage from PostgreSQL's rows.
    const keys = (await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).keys as any[];
    expect(keys.find((k) => k.id === keyId)).toMatchObject({ label: 'pg-pool', last4: 'PGPG', usage_24h: { requests: 1, errors: 0 } });
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${keyId}`, { as: admin })).status).toBe(200);
    expect(await sql`SELECT id FROM provider_keys`).toEqual([]);
  }, 60_000);
});
