/**
 * A budget removed from a key and a team, then set again later in the same period: what was spent
 * meanwhile, which the counters never saw (a key without limits is not counted; a classifier
 * call's charge counts only under a budget), is in the logs, and the budget set again reads it
 * there. Run with the in-memory counters (test/limits) and the Redis ones (test/redis).
 */
import { expect } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, teams } from '../../src/db/schema';
import { apiError } from '../helpers/start-gateway';
import { chatBody, makeTeam, type LimitsRig } from './limits-helpers';

export async function budgetSetAgainReadsTheLogs(rig: LimitsRig): Promise<void> {
  const { gw } = rig;
  const today = Date.parse('2026-03-10T00:00:00Z'); // the rig clock's day
  /** What the log writer's per-client and per-team daily rollups add for a row of this client in this team. */
  const logged = (clientId: number, teamId: number, usd: number) => {
    gw.ctx.sqlite.query('INSERT INTO usage_client_daily (day, client_id, requests, cost_usd) VALUES (?, ?, 1, ?) ON CONFLICT (day, client_id) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd').run(today, clientId, usd);
    gw.ctx.sqlite.query('INSERT INTO usage_team_daily (day, team_id, requests, cost_usd) VALUES (?, ?, 1, ?) ON CONFLICT (day, team_id) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd').run(today, teamId, usd);
  };
  const setLimits = async (clientId: number, teamId: number, budgetUsd: number | null) => {
    gw.ctx.db.update(clients).set({ budgetUsd, budgetPeriod: 'month' }).where(eq(clients.id, clientId)).run();
    gw.ctx.db.update(teams).set({ budgetUsd, budgetPeriod: 'month' }).where(eq(teams.id, teamId)).run();
    await gw.ctx.limits.seed(gw.ctx.state.reload());
  };
  const teamId = await makeTeam(gw, { name: `again-${crypto.randomUUID().slice(0, 6)}`, budgetUsd: null, budgetPeriod: 'month' });
  const key = gw.addClient('again');
  gw.ctx.db.update(clients).set({ teamId }).where(eq(clients.id, key.id)).run();
  logged(key.id, teamId, 0.3);
  await setLimits(key.id, teamId, 1);
  const scopes = () => {
    const snap = gw.ctx.state.getSnapshot();
    return { key: snap.clientsById!.get(key.id)!.limits!.scopes[0]!, team: snap.teams!.get(teamId)!.scope };
  };
  expect(await gw.ctx.limits.counters.spend(scopes().key, rig.clock.now)).toBeCloseTo(0.3, 9);
  expect(await gw.ctx.limits.counters.spend(scopes().team, rig.clock.now)).toBeCloseTo(0.3, 9);

  // Budgets removed: $0.50 is spent without the counters counting it.
  await setLimits(key.id, teamId, null);
  logged(key.id, teamId, 0.5);
  // Set again, the same month: the spend is the logs' $0.80, not the $0.30 kept from before.
  await setLimits(key.id, teamId, 1);
  expect(await gw.ctx.limits.counters.spend(scopes().key, rig.clock.now)).toBeCloseTo(0.8, 9);
  expect(await gw.ctx.limits.counters.spend(scopes().team, rig.clock.now)).toBeCloseTo(0.8, 9);
  // $0.80 spent + a worst case of ~$0.52 does not fit $1 (it would beside $0.30).
  const err = await apiError(gw.openai(key.key).chat.completions.create(chatBody('lim-model', { max_tokens: 500 })));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
}
