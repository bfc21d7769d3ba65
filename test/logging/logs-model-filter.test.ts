/**
 * The logs' model filter (GET /api/logs?model= and the dashboard's Logs page) through the real
 * gateway and log writer: a row is found by the name the client asked for (a group name, an
 * unknown model, a model the key may not use) as well as by the model that served it. Rows are
 * picked by the x-request-id of each answer, never by position.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import { ADMIN_PASSWORD, apiLogRow, login, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
let admin: Session;
/** request id of each kind of request */
const rid: Record<'group' | 'direct' | 'unknown' | 'refused', string> = { group: '', direct: '', unknown: '', refused: '' };
/** log row id of each, from /api/logs */
const rowId: Partial<Record<keyof typeof rid, number>> = {};

const apiLogs = async (query: string): Promise<any[]> => {
  const res = await fetch(`${gw.url}/api/logs?limit=1000${query}`, { headers: { authorization: `Bearer ${admin.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: any[] }).data;
};
const ids = (rows: any[]) => rows.map((r) => r.request_id as string);

/** Resolves once the writer committed the row of this request. */
const committed = (requestId: string) => apiLogRow(gw, admin, requestId);

const chat = (key: string, model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  gw = await startGateway({
    env: { DEEPSEEK_API_KEY: 'ds-test-0123456789', LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: fake.url },
    storeLogs: true,
  });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  // A key that may use only deepseek-v4-flash: anything else is refused with 403 (and logged).
  const narrow = gw.addClient('narrow');
  gw.ctx.db.update(clients).set({ models: ['deepseek-v4-flash'] }).where(eq(clients.id, narrow.id)).run();
  await gw.ctx.state.reload();

  const sent = {
    group: [await chat(gw.clientKey, 'fast-flow'), 200],
    direct: [await chat(gw.clientKey, 'deepseek-v4-flash'), 200],
    unknown: [await chat(gw.clientKey, 'no-such-model-xyz'), 404],
    refused: [await chat(narrow.key, 'gpt-5.4-nano'), 403],
  } as const;
  for (const [k, [res, status]] of Object.entries(sent)) {
    expect({ k, status: res.status }).toEqual({ k, status });
    rid[k as keyof typeof rid] = res.headers.get('x-request-id')!;
    expect(rid[k as keyof typeof rid]).toBeTruthy();
  }
  for (const k of Object.keys(rid) as (keyof typeof rid)[]) rowId[k] = (await committed(rid[k])).id;
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

describe('GET /api/logs?model=', () => {
  test('the rows are what the table shows: requested name, and the used model where one served', async () => {
    const all = await apiLogs('');
    const row = (k: keyof typeof rid) => all.find((r) => r.request_id === rid[k]);
    expect(row('group')).toMatchObject({ model_requested: 'fast-flow', model: 'deepseek-v4-flash', status: 200 });
    expect(row('direct')).toMatchObject({ model_requested: 'deepseek-v4-flash', model: 'deepseek-v4-flash', status: 200 });
    expect(row('unknown')).toMatchObject({ model_requested: 'no-such-model-xyz', status: 404 });
    expect(row('refused')).toMatchObject({ model_requested: 'gpt-5.4-nano', status: 403 });
    expect(row('unknown').model ?? null).not.toBe('no-such-model-xyz');
  });

  test('a group name finds its rows (and only rows asked for by it or served by it)', async () => {
    const rows = await apiLogs('&model=fast-flow');
    expect(ids(rows)).toContain(rid.group);
    expect(ids(rows)).not.toContain(rid.direct);
    expect(rows.every((r) => r.model_requested === 'fast-flow' || r.model === 'fast-flow')).toBe(true);
  });

  test('an unknown model (404) is found by its name', async () => {
    const rows = await apiLogs('&model=no-such-model-xyz');
    expect(ids(rows)).toEqual([rid.unknown]);
  });

  test('a request refused by the key\u2019s allow-list (403) is found by the model it asked for', async () => {
    const rows = await apiLogs('&model=gpt-5.4-nano');
    expect(ids(rows)).toEqual([rid.refused]);
  });

  test('the used model still finds every row it served, the group\u2019s included', async () => {
    const rows = await apiLogs('&model=deepseek-v4-flash');
    expect(ids(rows).sort()).toEqual([rid.group, rid.direct].sort());
  });

  test('combined with other filters (status), the OR stays inside the AND', async () => {
    expect(ids(await apiLogs('&model=fast-flow&status=error'))).not.toContain(rid.group);
    expect(ids(await apiLogs('&model=no-such-model-xyz&status=404'))).toEqual([rid.unknown]);
    expect(ids(await apiLogs('&model=no-such-model-xyz&status=ok'))).toEqual([]);
  });

  test('paging with before_id keeps the filter', async () => {
    const first = await apiLogs('&model=deepseek-v4-flash&limit=1');
    expect(first.length).toBe(1);
    const res = await fetch(`${gw.url}/api/logs?model=deepseek-v4-flash&limit=1&before_id=${first[0].id}`, { headers: { authorization: `Bearer ${admin.token}` } });
    const second = ((await res.json()) as { data: any[] }).data;
    expect([...ids(first), ...ids(second)].sort()).toEqual([rid.group, rid.direct].sort());
  });
});

describe('the dashboard Logs page filter', () => {
  const page = async (model: string) =>
    (await fetch(`${gw.url}/logs?model=${encodeURIComponent(model)}`, { headers: { cookie: admin.cookie } })).text();
  const shows = (html: string, k: keyof typeof rid) => html.includes(`id="log-${rowId[k]}"`);

  test('finds rows by the requested name: group, unknown model, refused request', async () => {
    const group = await page('fast-flow');
    expect({ group: shows(group, 'group'), direct: shows(group, 'direct'), unknown: shows(group, 'unknown') }).toEqual({ group: true, direct: false, unknown: false });
    const unknown = await page('no-such-model-xyz');
    expect({ unknown: shows(unknown, 'unknown'), group: shows(unknown, 'group') }).toEqual({ unknown: true, group: false });
    const refused = await page('gpt-5.4-nano');
    expect({ refused: shows(refused, 'refused'), direct: shows(refused, 'direct') }).toEqual({ refused: true, direct: false });
  });

  test('and by the used model', async () => {
    const used = await page('deepseek-v4-flash');
    expect({ group: shows(used, 'group'), direct: shows(used, 'direct'), refused: shows(used, 'refused') }).toEqual({ group: true, direct: true, refused: false });
  });
});
