/**
 * A team's period spend is what its keys spent while they were in it: a key that spent in team A
 * and was then moved to team B leaves its spend with A, after a restart too (the budgets are read
 * back from the database). Driven over HTTP only: the admin API makes the teams and keys and moves
 * the key, real requests go to a fake OpenAI, and a second gateway on the same database checks
 * that team A's budget refuses and team B's admits. Run on SQLite (test/limits) and PostgreSQL
 * (test/postgres).
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { apiError, type TestGateway } from '../helpers/start-gateway';

/** USD per 1M tokens, both ways: the fixture's 19 + 9 tokens cost $0.028. */
const PRICE = 1000;
const FIXTURE_COST = (19 + 9) * (PRICE / 1e6);
const body = { model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

/** `start`: a gateway on the test's database, writing its logs there; each call is a fresh process state. */
export async function teamSpendStaysWithTheTeam(start: () => Promise<TestGateway>): Promise<void> {
  const first = await start();
  let admin = await login(first, 'admin', ADMIN_PASSWORD);
  const call = async (gw: TestGateway, method: string, path: string, b?: unknown) => {
    const r = await api(gw, method, path, { as: admin, body: b });
    expect(r.status).toBeLessThan(300);
    return json(r);
  };
  await call(first, 'PATCH', `/api/models/${encodeURIComponent('gpt-4o-mini')}`, { input_price: PRICE, output_price: PRICE });
  // Budgets of $0.21: a request's worst case is ~$0.17 (its ~90-byte body a token a byte plus
  // max_tokens, at OpenAI's priority premium): $0.028 spent plus it fits, $0.056 plus it does not.
  const teamA = await call(first, 'POST', '/api/teams', { name: 'team-a', budget_usd: 0.21, budget_period: 'total' });
  const teamB = await call(first, 'POST', '/api/teams', { name: 'team-b', budget_usd: 0.21, budget_period: 'total' });
  const mover = await call(first, 'POST', '/api/clients', { name: 'mover', team_id: teamA.id });
  const stayer = await call(first, 'POST', '/api/clients', { name: 'stayer', team_id: teamA.id });

  await first.openai(mover.key).chat.completions.create(body);
  await first.openai(mover.key).chat.completions.create(body);
  await call(first, 'PATCH', `/api/clients/${mover.id}`, { team_id: teamB.id });
  const spendOf = async (gw: TestGateway, id: number) => (await call(gw, 'GET', `/api/teams/${id}`)).spend_usd as number;
  expect(await spendOf(first, teamA.id)).toBeCloseTo(2 * FIXTURE_COST, 9);
  expect(await spendOf(first, teamB.id)).toBe(0);
  await first.close(); // the rows and rollups are in the database

  const second = await start();
  try {
    admin = await login(second, 'admin', ADMIN_PASSWORD);
    expect(await spendOf(second, teamA.id)).toBeCloseTo(2 * FIXTURE_COST, 9);
    expect(await spendOf(second, teamB.id)).toBe(0);
    // Team A spent $0.056 (by the key now in B): its other key is refused.
    const refused = await apiError(second.openai(stayer.key).chat.completions.create(body));
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused.code).toBe('budget_exceeded');
    // Team B spent nothing: the moved key is admitted, and what it spends now is B's.
    await second.openai(mover.key).chat.completions.create(body);
    expect(await spendOf(second, teamB.id)).toBeCloseTo(FIXTURE_COST, 9);
    expect(await spendOf(second, teamA.id)).toBeCloseTo(2 * FIXTURE_COST, 9);
    // A deleted key's spend stays with its team too.
    expect((await api(second, 'DELETE', `/api/clients/${mover.id}`, { as: admin })).status).toBeLessThan(300);
    expect(await spendOf(second, teamB.id)).toBeCloseTo(FIXTURE_COST, 9);
  } finally {
    await second.close();
  }
}
