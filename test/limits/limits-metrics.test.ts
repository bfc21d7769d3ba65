/** /metrics reports limit refusals by reason and spend by team. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import { apiError } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { chatBody, FIXTURE_COST, limitedClient, makeTeam, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

test('refusals are counted by reason and each team’s spend is exported', async () => {
  const teamId = await makeTeam(rig.gw, { name: 'metrics-team' });
  const c = await limitedClient(rig.gw, 'metered', { teamId, rpm: 1, models: ['lim-model'] });
  const client = rig.gw.openai(c.key);
  await client.chat.completions.create(chatBody());
  await apiError(client.chat.completions.create(chatBody()));
  await apiError(client.chat.completions.create(chatBody('lim-other')));
  const { samples } = parsePrometheus(await (await fetch(`${rig.gw.url}/metrics`)).text());
  expect(valueOf(samples, 'gophergate_limit_refusals_total', { reason: 'rate_limit_exceeded' })).toBe(1);
  expect(valueOf(samples, 'gophergate_limit_refusals_total', { reason: 'model_not_allowed' })).toBe(1);
  expect(valueOf(samples, 'gophergate_team_spend_usd_total', { team: 'metrics-team' })).toBeCloseTo(FIXTURE_COST, 10);
});

test('a request in flight when its key moves to another team is billed to the team it was admitted in (row, budget and metric)', async () => {
  const from = await makeTeam(rig.gw, { name: 'moved-from', budgetUsd: 10, budgetPeriod: 'month' });
  const to = await makeTeam(rig.gw, { name: 'moved-to', budgetUsd: 10, budgetPeriod: 'month' });
  const c = await limitedClient(rig.gw, 'moving', { teamId: from });
  const answer = rig.fake.handler;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const upstreamReached = new Promise<void>((r) => (arrived = r));
  rig.fake.handler = async (...args) => (arrived(), await held, answer(...args));
  try {
    const pending = rig.gw.openai(c.key).chat.completions.create(chatBody()).withResponse();
    await upstreamReached;
    rig.gw.ctx.db.update(clients).set({ teamId: to }).where(eq(clients.id, c.id)).run();
    await rig.gw.ctx.limits.seed(rig.gw.ctx.state.reload());
    release();
    const row = await rig.gw.waitForRow(await pending);
    expect(row.teamId).toBe(from);
    const snap = rig.gw.ctx.state.getSnapshot();
    expect(rig.gw.ctx.limits.counters.spend(snap.teams!.get(from)!.scope, rig.clock.now)).toBeCloseTo(FIXTURE_COST, 10);
    expect(rig.gw.ctx.limits.counters.spend(snap.teams!.get(to)!.scope, rig.clock.now)).toBe(0);
    const { samples } = parsePrometheus(await (await fetch(`${rig.gw.url}/metrics`)).text());
    expect(valueOf(samples, 'gophergate_team_spend_usd_total', { team: 'moved-from' })).toBeCloseTo(FIXTURE_COST, 10);
    expect(valueOf(samples, 'gophergate_team_spend_usd_total', { team: 'moved-to' }) ?? 0).toBe(0);
  } finally {
    rig.fake.handler = answer;
  }
});

test('teams deleted or renamed leave no spend series behind: 30 billed then deleted, 10 billed then renamed', async () => {
  const admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
  const bill = async (teamId: number, name: string) => {
    const c = await limitedClient(rig.gw, name, { teamId });
    await rig.gw.waitForRow(await rig.gw.openai(c.key).chat.completions.create(chatBody()).withResponse());
  };
  for (let i = 0; i < 40; i++) {
    const team = await (await api(rig.gw, 'POST', '/api/teams', { as: admin, body: { name: `churn-team-${i}` } })).json();
    await bill(team.id, `churn-key-${i}`);
    const gone = i < 30
      ? await api(rig.gw, 'DELETE', `/api/teams/${team.id}`, { as: admin })
      : await api(rig.gw, 'PATCH', `/api/teams/${team.id}`, { as: admin, body: { name: `renamed-team-${i}` } });
    expect(gone.status).toBe(200);
  }
  const names = [...rig.gw.ctx.limits.teamSpendUsd.keys()];
  expect(names.filter((n) => n.startsWith('churn-team-'))).toEqual([]);
  const live = new Set([...rig.gw.ctx.state.getSnapshot().teams!.values()].map((t) => t.name));
  for (const n of names) expect(live.has(n)).toBe(true);
  const text = await (await fetch(`${rig.gw.url}/metrics`)).text();
  expect(text).not.toContain('churn-team-');
});
