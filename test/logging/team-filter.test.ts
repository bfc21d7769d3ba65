/**
 * One team's rows: GET /api/logs?team=<id> and the dashboard Logs page's Team filter (the team's
 * name, as the key editor's team picker takes it) list the requests made by keys in that team,
 * by the team on each row (the key's team when it was admitted), not the others'; a bad team is
 * a 400 on `team` (API) or refused under the field (page), never an unfiltered list. Each row
 * shows that team as `team_id` (API and live monitor event alike). The same for usage:
 * /api/usage/*?team=<id> and the Usage page's Team filter count that team's requests only.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, apiLogRow, json, login, type Session } from '../helpers/admin-harness';
import { openMonitor } from '../helpers/monitor-socket';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
/** Request ids by who sent them: a key in team Red, one in team Blue, one in no team. */
const sent: Record<'red' | 'blue' | 'none', string[]> = { red: [], blue: [], none: [] };
let red: number;
let blue: number;
/** The live monitor's events, heard while the requests above were sent. */
let heard: any[];
let redKeyId: number;

async function send(key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { response } = await gw.openai(key).chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: `hi ${i}` }] }).withResponse();
    ids.push(response.headers.get('x-request-id')!);
  }
  return ids;
}

beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  red = (await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Red Team' } }))).id;
  blue = (await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Blue' } }))).id;
  const monitor = await openMonitor(gw, admin);
  heard = monitor.events;
  const key = async (name: string, team_id?: number) => json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name, team_id } }));
  const redKey = await key('red-key', red);
  redKeyId = redKey.id;
  sent.red = await send(redKey.key, 3);
  sent.blue = await send((await key('blue-key', blue)).key, 2);
  sent.none = await send((await key('lone-key')).key, 2);
  // Every row committed (found by its own request id).
  for (const id of [...sent.red, ...sent.blue, ...sent.none]) await apiLogRow(gw, admin, id);
  // The monitor hears of a row once it is committed; wait for each one's event, not a fixed time.
  const all = [...sent.red, ...sent.blue, ...sent.none];
  const deadline = Date.now() + 15_000;
  while (!all.every((id) => heard.some((e) => e.request_id === id)) && Date.now() < deadline) await Bun.sleep(20);
  monitor.close();
});
afterAll(() => gw?.close());

describe('team_id on each row', () => {
  const teams = () => [...sent.red.map((id) => [id, red]), ...sent.blue.map((id) => [id, blue]), ...sent.none.map((id) => [id, null])] as [string, number | null][];

  test('GET /api/logs rows (the list and one row by request_id) carry the team they were admitted under', async () => {
    const listed = (await json(await api(gw, 'GET', '/api/logs?limit=1000', { as: admin }))).data as any[];
    for (const [id, team] of teams()) {
      expect({ id, team_id: listed.find((r) => r.request_id === id)?.team_id }).toEqual({ id, team_id: team });
      const [one] = (await json(await api(gw, 'GET', `/api/logs?request_id=${id}`, { as: admin }))).data;
      expect({ id, team_id: one.team_id }).toEqual({ id, team_id: team });
    }
  });

  test('each live monitor event carries it too', () => {
    for (const [id, team] of teams()) expect({ id, team_id: heard.find((e) => e.request_id === id)?.team_id }).toEqual({ id, team_id: team });
  });

  test("a key moved to another team leaves its earlier rows with the old team's id", async () => {
    expect((await api(gw, 'PATCH', `/api/clients/${redKeyId}`, { as: admin, body: { team_id: blue } })).status).toBe(200);
    const [row] = (await json(await api(gw, 'GET', `/api/logs?request_id=${sent.red[0]}`, { as: admin }))).data;
    expect(row.team_id).toBe(red);
    expect(await listed(`team=${red}`)).toEqual(newestFirst(sent.red));
    expect((await api(gw, 'PATCH', `/api/clients/${redKeyId}`, { as: admin, body: { team_id: red } })).status).toBe(200);
  });
});

async function listed(query: string): Promise<string[]> {
  const r = await api(gw, 'GET', `/api/logs?${query}`, { as: admin });
  expect(r.status).toBe(200);
  return ((await json(r)) as { data: any[] }).data.map((row) => row.request_id);
}

/** The request ids of `ids`, newest first, as the list orders them. */
const newestFirst = (ids: string[]) => [...ids].reverse();

describe('GET /api/logs?team=', () => {
  test("lists that team's rows only, and narrows with the other filters and paging", async () => {
    expect(await listed(`team=${red}`)).toEqual(newestFirst(sent.red));
    expect(await listed(`team=${blue}`)).toEqual(newestFirst(sent.blue));
    expect(await listed(`team=${red}&limit=2`)).toEqual(newestFirst(sent.red).slice(0, 2));
    const [{ id: second }] = (await json(await api(gw, 'GET', `/api/logs?request_id=${newestFirst(sent.red)[1]}`, { as: admin }))).data;
    expect(await listed(`team=${red}&before_id=${second}`)).toEqual([sent.red[0]!]);
    expect(await listed(`team=${red}&request_id=${sent.blue[0]}`)).toEqual([]);
    expect(await listed('team=999999')).toEqual([]);
  });

  test('a team that is not an id is a 400 on team', async () => {
    for (const bad of ['abc', '0', '-1', '1.5', '007']) {
      const r = await api(gw, 'GET', `/api/logs?team=${bad}`, { as: admin });
      expect(r.status).toBe(400);
      const body = await json(r);
      expect(body.error.param).toBe('team');
      expect(body.error.message).toContain(`got '${bad}'`);
    }
  });
});

describe("the Logs page's Team filter", () => {
  const page = async (q: string) => {
    const r = await fetch(`${gw.url}/logs?${q}`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    return r.text();
  };
  const rowIds = async (requestIds: string[]) => {
    const out: string[] = [];
    for (const id of requestIds) out.push(`id="log-${(await apiLogRow(gw, admin, id)).id}"`);
    return out;
  };

  test("a team's name (any case) lists its rows only and stays in the field", async () => {
    for (const typed of ['Red Team', 'red team']) {
      const html = await page(`team=${encodeURIComponent(typed)}`);
      expect([...html.matchAll(/id="log-\d+"/g)].map((m) => m[0])).toEqual(await rowIds(newestFirst(sent.red)));
      expect(html).toContain(`name="team" list="team-choices" value="${typed}"`);
    }
  });

  test('a name no team has is refused under the field, with no rows', async () => {
    const html = await page('team=Green');
    expect(html).toContain('No team is named &#x27;Green&#x27;');
    expect(html).toMatch(/id="logs-team"[^>]*aria-invalid="true"/);
    expect(html).not.toMatch(/id="log-\d+"/);
  });
});

describe('GET /api/usage/*?team=', () => {
  const usage = async (path: string) => {
    const r = await api(gw, 'GET', path, { as: admin });
    expect(r.status).toBe(200);
    return json(r);
  };

  test("summary, time series and breakdowns count that team's requests only", async () => {
    expect((await usage('/api/usage/summary')).requests).toBe(7);
    expect((await usage(`/api/usage/summary?team=${red}`)).requests).toBe(3);
    expect((await usage(`/api/usage/summary?team=${blue}`)).requests).toBe(2);
    expect((await usage('/api/usage/summary?team=999999')).requests).toBe(0);
    const series = (await usage(`/api/usage/timeseries?team=${blue}`)).data as { requests: number }[];
    expect(series.reduce((n, p) => n + p.requests, 0)).toBe(2);
    const byClient = (await usage(`/api/usage/breakdown?by=client&team=${red}`)).data as { label: string; requests: number }[];
    expect(byClient.map((r) => [r.label, r.requests])).toEqual([['red-key', 3]]);
    const byModel = (await usage(`/api/usage/breakdown?by=model&team=${blue}`)).data as { requests: number }[];
    expect(byModel.reduce((n, r) => n + r.requests, 0)).toBe(2);
  });

  test("team_id, the admin API's name for a key's team, filters the same (it was ignored: every team's usage)", async () => {
    expect((await usage(`/api/usage/summary?team_id=${red}`)).requests).toBe(3);
    expect((await usage(`/api/usage/summary?team_id=${blue}&team=${blue}`)).requests).toBe(2);
    expect(await listed(`team_id=${blue}`)).toEqual(newestFirst(sent.blue));
    const both = await api(gw, 'GET', `/api/usage/summary?team=${red}&team_id=${blue}`, { as: admin });
    expect(both.status).toBe(400);
    expect((await json(both)).error.param).toBe('team_id');
    expect((await json(await api(gw, 'GET', '/api/usage/summary?team_id=x', { as: admin }))).error.param).toBe('team_id');
  });

  test('a team that is not an id is a 400 on team', async () => {
    for (const path of ['summary', 'timeseries', 'breakdown']) {
      const r = await api(gw, 'GET', `/api/usage/${path}?team=abc`, { as: admin });
      expect(r.status).toBe(400);
      expect((await json(r)).error.param).toBe('team');
    }
  });
});

describe("the Usage page's Team filter", () => {
  const page = async (q: string) => {
    const r = await fetch(`${gw.url}/?${q}`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    return r.text();
  };
  const requestsCard = (html: string) => /id="stat-requests"><div class="stat-label">Requests<\/div><div class="stat-value">(\d+)</.exec(html)?.[1];

  test("a team's name (any case): its requests in the cards and breakdowns, the name kept in the field", async () => {
    expect(requestsCard(await page(''))).toBe('7');
    for (const typed of ['Red Team', 'red team']) {
      const html = await page(`range=7d&team=${encodeURIComponent(typed)}`);
      expect(requestsCard(html)).toBe('3');
      expect(html).toContain(`name="team" list="team-choices" value="${typed}"`);
      expect(html).toContain('title="red-key"');
      expect(html).not.toContain('title="blue-key"');
      expect(html).toMatch(/<option value="7d" selected/);
    }
  });

  test('a name no team has is refused under the field, with no figures', async () => {
    const html = await page('team=Green');
    expect(html).toContain('No team is named &#x27;Green&#x27;');
    expect(html).toMatch(/id="usage-team"[^>]*aria-invalid="true"/);
    expect(html).not.toContain('id="stat-requests"');
  });
});
