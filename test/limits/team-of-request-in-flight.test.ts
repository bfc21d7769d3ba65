/**
 * A key moved into, out of or between teams while its request streams: the request's row is billed
 * to the team it was admitted under (request_logs.team_id), and the team the key joined meanwhile
 * is charged nothing (it reserved nothing for that request: a charge there could overspend it).
 * Driven like an operator and a client: the admin API makes teams and keys and moves the key, the
 * openai SDK streams from a fake OpenAI held after its first chunks.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { requestLogs } from '../../src/db/schema';
import { api, apiLogRow, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { FIXTURE_COST, startLimitsRig, type LimitsRig } from './limits-helpers';

let rig: LimitsRig;
let admin: Session;
beforeAll(async () => {
  // The real log writer: a team without a budget has its spend summed from the rows' team_id.
  rig = await startLimitsRig({ storeLogs: true });
  admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
});
afterAll(() => rig.close());

const call = async (method: string, path: string, body?: unknown) => {
  const r = await api(rig.gw, method, path, { as: admin, body });
  expect(r.status).toBeLessThan(300);
  return json(r);
};
const newTeam = (budget: number | null) =>
  call('POST', '/api/teams', { name: `t-${crypto.randomUUID().slice(0, 8)}`, ...(budget === null ? {} : { budget_usd: budget, budget_period: 'total' }) }) as Promise<{ id: number }>;
const spendOf = async (teamId: number) => ((await call('GET', `/api/teams/${teamId}`)) as { spend_usd: number }).spend_usd;

/** The row of one request, once written (GET /api/logs), and the team it is billed to (request_logs.team_id, not shown there). */
async function rowOf(requestId: string): Promise<{ costUsd: number; teamId: number | null }> {
  const listed = await apiLogRow(rig.gw, admin, requestId);
  const [stored] = await rig.gw.ctx.db.select({ teamId: requestLogs.teamId }).from(requestLogs).where(eq(requestLogs.requestId, requestId));
  return { costUsd: listed.cost_usd, teamId: stored!.teamId };
}

/** The fake OpenAI's next streams pause after their second chunk until `release()`. */
function holdStreams() {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  rig.fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { holdAt: { at: 2, until } });
  return release;
}

const CASES = [
  { what: 'a key without limits or team, moved into team B', key: {}, inTeamA: false, deleteA: false, billed: 'none' },
  { what: 'a key with its own budget and no team, moved into team B', key: { budget_usd: 5, budget_period: 'total' }, inTeamA: false, deleteA: false, billed: 'none' },
  { what: 'a key of team A, moved to team B', key: {}, inTeamA: true, deleteA: false, billed: 'A' },
  { what: 'a key of team A, which is deleted, then moved to team B', key: {}, inTeamA: true, deleteA: true, billed: 'A' },
] as const;

for (const c of CASES) {
  test(`${c.what} mid-stream: the row keeps the team it was admitted under, team B is charged nothing`, async () => {
    const teamA = await newTeam(5);
    // Team B's spend is what its budget counts (the counters) and what its rows sum (no budget): both are checked.
    const teamB = await newTeam(5);
    const teamBUnbudgeted = await newTeam(null);
    const key = (await call('POST', '/api/clients', { name: `mover-${crypto.randomUUID().slice(0, 8)}`, ...c.key, ...(c.inTeamA ? { team_id: teamA.id } : {}) })) as { id: number; key: string };
    const release = holdStreams();
    const { data: stream, response } = await rig.gw
      .openai(key.key)
      .chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;

    // The request is admitted and streaming: the operator moves its key.
    if (c.deleteA) await call('DELETE', `/api/teams/${teamA.id}`);
    await call('PATCH', `/api/clients/${key.id}`, { team_id: teamB.id });
    release();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello! How can I help you today?');

    const row = await rowOf(requestId);
    expect(row.costUsd).toBeCloseTo(FIXTURE_COST, 10);
    expect(row.teamId).toBe(c.billed === 'A' ? teamA.id : null);
    expect(await spendOf(teamB.id)).toBe(0);
    if (!c.deleteA) expect(await spendOf(teamA.id)).toBeCloseTo(c.billed === 'A' ? FIXTURE_COST : 0, 10);

    // The same moves into a team without a budget: its spend, summed from the rows, stays 0 too.
    const release2 = holdStreams();
    const second = await rig.gw
      .openai(key.key)
      .chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    await call('PATCH', `/api/clients/${key.id}`, { team_id: teamBUnbudgeted.id });
    release2();
    for await (const _ of second.data);
    const row2 = await rowOf(second.response.headers.get('x-request-id')!);
    expect(row2.teamId).toBe(teamB.id);
    expect(await spendOf(teamBUnbudgeted.id)).toBe(0);
    expect(await spendOf(teamB.id)).toBeCloseTo(FIXTURE_COST, 10);
  });
}
