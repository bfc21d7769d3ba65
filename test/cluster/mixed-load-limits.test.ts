/**
 * Limits across three gateway PROCESSES on one PostgreSQL database and one Redis prefix
 * (mixed-load-cluster.ts), under a mixed burst of 300+ requests spread round-robin. What must hold
 * across the instances, read from PostgreSQL by the request ids the test sent: one row per
 * request, on the instance it was sent to; a key's and a team's spend within their budgets;
 * admissions within RPM and TPM; a budget raised on A in force on B and C; an instance killed with
 * SIGKILL mid-stream leaves no reservation that holds the budget for good.
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { describe, expect, test } from 'bun:test';
import type { SQL } from 'bun';
import { eventually } from '../helpers/redis-env';
import { busiestMinute, REFUSALS, refused, spent, useMixedLoadCluster } from './mixed-load-cluster';

let pg: SQL;
const { nodes, start, hold, admin, created, knownEverywhere, send, load, oneRowEach } = useMixedLoadCluster((up) => ({ pg } = up));

describe('a mixed burst over three instances', () => {
  test('one key: budget and RPM hold across the instances; one row per request, on its instance', async () => {
    const BUDGET = 0.02;
    const RPM = 40;
    const k = await created('/api/clients', { name: 'mixed-key', budget_usd: BUDGET, budget_period: 'month', rpm: RPM, tpm: 20_000 });
    await knownEverywhere(k.key);
    // Few at a time: a refusal for USD reserved by requests in flight would end the burst before RPM.
    const sent = await load([k.key], 330, 8);
    for (const s of sent) if (refused(s)) expect(REFUSALS.has(s.code ?? '') || s.code === 'insufficient_quota').toBe(true);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    const served = sent.filter((s) => !refused(s));
    // The burst runs into the limits, and each instance served some. Which one refuses first depends on
    // which kinds were served (their costs vary): 40 requests (the RPM) cost about the budget, so a slow
    // run may spend it first. Both are held either way (the spend and the busiest minute below).
    expect(served.length).toBeGreaterThan(10);
    expect(sent.some((s) => s.code === 'rate_limit_exceeded' || s.code === 'budget_exceeded')).toBe(true);
    for (const n of [0, 1, 2]) expect(served.some((s) => s.node === n)).toBe(true);
    expect(served.some((s) => s.status === 499)).toBe(true);

    const rows = await oneRowEach(sent);
    expect(spent(rows)).toBeLessThanOrEqual(BUDGET + 1e-9);
    const admitted = rows.filter((r) => r.status !== 429);
    expect(admitted.length).toBe(served.length);
    expect(busiestMinute(admitted)).toBeLessThanOrEqual(RPM);
    // Cut streams were billed what they delivered (an estimate), and every row of a served request costs something.
    for (const r of admitted) expect(r.cost_usd).toBeGreaterThan(0);
  });

  test('TPM across the instances: the tokens of the requests admitted in a minute stay within it', async () => {
    const TPM = 1_500;
    const k = await created('/api/clients', { name: 'mixed-tpm', tpm: TPM });
    await knownEverywhere(k.key);
    const sent = await load([k.key], 200, 8);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    expect(sent.some((s) => s.code === 'rate_limit_exceeded' || s.code === 'rate_limit_error')).toBe(true);
    const rows = await oneRowEach(sent);
    const admitted = rows.filter((r) => r.status !== 429);
    expect(admitted.length).toBeGreaterThan(5);
    // Each reserves its estimate and settles to what the fake reported (never more than asked).
    expect(admitted.reduce((a, r) => a + r.tokens, 0)).toBeLessThanOrEqual(TPM);
  });

  test("a team's budget smaller than its keys' together holds; each key's own too", async () => {
    // A request may cost up to ~$0.002 and costs ~$0.0002: the budgets are spent, not only reserved.
    const TEAM = 0.006;
    const KEY = 0.004;
    const team = await created('/api/teams', { name: 'mixed-team', budget_usd: TEAM, budget_period: 'month' });
    const k1 = await created('/api/clients', { name: 'mixed-t1', team_id: team.id, budget_usd: KEY, budget_period: 'month' });
    const k2 = await created('/api/clients', { name: 'mixed-t2', team_id: team.id, budget_usd: KEY, budget_period: 'month' });
    await knownEverywhere(k1.key);
    await knownEverywhere(k2.key);
    // Few at a time, so the budgets are spent rather than only reserved by requests in flight.
    const sent = await load([k1.key, k2.key], 300, 4);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    expect(sent.filter(refused).length).toBeGreaterThan(0);
    const rows = await oneRowEach(sent);
    expect(spent(rows)).toBeLessThanOrEqual(TEAM + 1e-9);
    // Pressed: a good part of it spent (the last requests find too little left for their worst case).
    expect(spent(rows)).toBeGreaterThan(TEAM / 3);
    for (const k of [k1, k2]) expect(spent(rows.filter((r) => r.client_id === k.id))).toBeLessThanOrEqual(KEY + 1e-9);
    // The team's spend as PostgreSQL counts it (every row of the team) is the same.
    const [t] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE team_id = ${team.id}`;
    expect(Number(t.s)).toBeLessThanOrEqual(TEAM + 1e-9);
  });

  test('a budget spent, then raised through A, admits on B and C within the documented second', async () => {
    const k = await created('/api/clients', { name: 'mixed-raise', budget_usd: 0.003, budget_period: 'month' });
    await knownEverywhere(k.key);
    // Spent on A, one request after the other, until A refuses: then B and C refuse too.
    expect(await eventually(async () => (await send('chat', 0, k.key, 0)).code === 'budget_exceeded', 10_000, 0)).toBe(true);
    for (const n of [1, 2]) expect((await send('chat', n, k.key, 0)).code).toBe('budget_exceeded');
    const r = await admin('PATCH', `/api/clients/${k.id}`, { budget_usd: 1 });
    expect(r.status).toBe(200);
    for (const n of [1, 2]) expect(await eventually(async () => (await send('chat', n, k.key, 0)).status === 200, 10_000, 100)).toBe(true);
  });
});

describe('an instance killed with SIGKILL mid-stream', () => {
  test("its reservations are freed after the documented 10 s; the survivors enforce the budget", async () => {
    // A fourth instance that will die with streams in flight.
    const D = await start(3);
    nodes.push(D);
    const d = nodes.length - 1;
    const k = await created('/api/clients', { name: 'mixed-killed', budget_usd: 0.01, budget_period: 'month' });
    await knownEverywhere(k.key, [nodes[0]!, D]);
    let release!: () => void;
    hold(new Promise<void>((r) => (release = r)));
    // As many streams as the budget admits, held open upstream, all on D.
    // Cut by the kill: ECONNRESET, not an answer.
    const held = Array.from({ length: 40 }, (_, i) => send('stream', d, k.key, i).catch(() => null));
    expect(await eventually(async () => (await send('chat', 0, k.key, 0)).code === 'budget_exceeded', 15_000, 50)).toBe(true);
    D.proc.kill('SIGKILL');
    await D.proc.exited;
    hold(null);
    release();
    await Promise.allSettled(held);
    // Held by the dead instance's reservations until the others see it silent for 10 s.
    expect(await eventually(async () => (await send('chat', 0, k.key, 1)).status === 200, 20_000, 250)).toBe(true);
    // The survivors keep enforcing: a burst over A, B and C stays within the budget.
    const sent = await load([k.key], 120, 30);
    expect(sent.filter(refused).length).toBeGreaterThan(0);
    await oneRowEach(sent);
    const [r] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${k.id}`;
    expect(Number(r.s)).toBeLessThanOrEqual(0.01 + 1e-9);
  });
});
