/**
 * An organisation with thousands of teams (one per project): the Teams page shows 100 a page by
 * name with "Next" / "First" links (`?after_id=`, as /api/teams pages) and finds a team by the
 * start of its name; the Clients page's team picker is one input per key with one shared list of
 * suggestions (`/teams/choices?q=`), not a <select> of every team in every row; the Logs page's
 * client filter likewise. Each page's HTML stays bounded whatever the number of teams or keys.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, teams } from '../../src/db/schema';
import { teamNameKey } from '../../src/admin/team-name-key';
import { ADMIN_PASSWORD, login, makeUser } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const TEAMS = 3000;
/** Team names as people make them, zero-padded so their order is their number's. */
const teamName = (i: number) => `project-${String(i).padStart(4, '0')}`;

let gw: TestGateway;
let admin: { cookie: string; csrf: string };
let viewer: { cookie: string; csrf: string };
const teamIds: number[] = [];

async function signIn(username: string, password: string) {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  expect(r.status).toBe(303);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

const get = async (path: string, as = admin, headers: Record<string, string> = {}) => {
  const r = await fetch(`${gw.url}${path}`, { headers: { cookie: as.cookie, ...headers } });
  expect([path, r.status]).toEqual([path, 200]);
  return r.text();
};
const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', ...headers },
    body: new URLSearchParams(body),
  });

const teamRows = (html: string) => [...html.matchAll(/<tbody id="team-(\d+)"/g)].map((m) => Number(m[1]));
const options = (html: string) => [...html.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]!);
const KEY_FORM = { models: '', budget_usd: '', budget_period: 'month', rpm: '', tpm: '', max_parallel: '', expires_at: '' };

beforeAll(async () => {
  gw = await startGateway();
  const now = Date.now();
  // Inserted in reverse, so the page's order is the names' and not the ids'.
  const rows = Array.from({ length: TEAMS }, (_, k) => TEAMS - 1 - k).map((i) => ({ name: teamName(i), nameKey: teamNameKey(teamName(i)), createdAt: now, updatedAt: now }));
  for (let k = 0; k < rows.length; k += 250) gw.ctx.db.insert(teams).values(rows.slice(k, k + 250)).run();
  const byName = new Map(gw.ctx.db.select({ id: teams.id, name: teams.name }).from(teams).all().map((t) => [t.name, t.id]));
  for (let i = 0; i < TEAMS; i++) teamIds.push(byName.get(teamName(i))!);
  // 30 keys, one of them in a team of the last page; a team with many keys.
  for (let i = 0; i < 30; i++) gw.addClient(`svc-${String(i).padStart(2, '0')}`);
  for (const c of gw.ctx.db.select({ id: clients.id }).from(clients).all().slice(0, 25)) gw.ctx.db.update(clients).set({ teamId: teamIds[1] }).where(eq(clients.id, c.id)).run();
  await gw.ctx.state.refresh();
  admin = await signIn('admin', ADMIN_PASSWORD);
  await makeUser(gw, await login(gw, 'admin', ADMIN_PASSWORD), 'viewer1', 'viewer');
  viewer = await signIn('viewer1', 'viewer1-password-1');
});
afterAll(() => gw.close());

describe('the Teams page with 3,000 teams', () => {
  test('100 teams a page by name; "Next" continues after the last one, the last page links back to the first', async () => {
    const first = await get('/teams');
    expect(teamRows(first)).toEqual(teamIds.slice(0, 100));
    // Bounded: a page of 100 teams, never all 3,000 (which made ~3 MB).
    expect(first.length).toBeLessThan(300_000);
    expect(first).not.toContain(teamName(100));
    const next = /id="teams-next"[^>]*href="([^"]+)"/.exec(first)?.[1];
    expect(next).toBe(`/teams?after_id=${teamIds[99]}`);
    expect(first).not.toContain('id="teams-first"');

    const second = await get(next!);
    expect(teamRows(second)).toEqual(teamIds.slice(100, 200));
    expect(/id="teams-first"[^>]*href="([^"]+)"/.exec(second)?.[1]).toBe('/teams');

    const last = await get(`/teams?after_id=${teamIds[TEAMS - 51]}`);
    expect(teamRows(last)).toEqual(teamIds.slice(TEAMS - 50));
    expect(last).not.toContain('id="teams-next"');
  });

  test('a team of 25 keys names a few and counts the rest', async () => {
    const html = await get('/teams');
    const cell = /<tbody id="team-(\d+)"[\s\S]*?<td class="small team-keys">([\s\S]*?)<\/td>/g;
    const row = [...html.matchAll(cell)].find((m) => Number(m[1]) === teamIds[1])!;
    expect((row[2]!.match(/class="clip"/g) ?? []).length).toBe(8);
    expect(row[2]).toContain('and 17 more');
  });

  test('"Find team" lists the teams whose name starts with what was typed (any case), paged the same way', async () => {
    const found = await get('/teams?q=PROJECT-1');
    expect(teamRows(found)).toEqual(teamIds.slice(1000, 1100));
    const next = /id="teams-next"[^>]*href="([^"]+)"/.exec(found)?.[1];
    expect(next).toBe(`/teams?q=PROJECT-1&amp;after_id=${teamIds[1099]}`);
    expect(teamRows(await get(next!.replace('&amp;', '&')))).toEqual(teamIds.slice(1100, 1200));
    expect(found).toContain('id="teams-find"');
    expect(teamRows(await get('/teams?q=project-299'))).toEqual(teamIds.slice(2990, 3000));
    // LIKE's own wildcards are letters here.
    const none = await get('/teams?q=project_');
    expect(teamRows(none)).toEqual([]);
    expect(none).toContain('No team found');
  });

  test('a change made on a later page answers with that page; a cursor team deleted since starts over', async () => {
    const page2 = `${gw.url}/teams?after_id=${teamIds[99]}`;
    const r = await post(`/teams/${teamIds[150]}`, { name: teamName(150), ...KEY_FORM, rpm: '7' }, { 'hx-current-url': page2 });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(teamRows(html)).toEqual(teamIds.slice(100, 200));
    expect(html).toContain('7 rpm');
    expect(teamRows(await get(`/teams?after_id=99999999`))).toEqual(teamIds.slice(0, 100));
  });

  test('a viewer pages through the teams and sees no edit controls', async () => {
    const first = await get('/teams', viewer);
    expect(teamRows(first)).toEqual(teamIds.slice(0, 100));
    expect(first).toContain('id="teams-next"');
    expect(first).not.toContain('Create team');
    expect(first).not.toContain('hx-post="/teams');
    expect(first).not.toContain('data-opens="team"');
    expect(first).not.toContain('name="budget_usd"');
  });
});

describe("a key's team on the Clients page with 3,000 teams", () => {
  test('no <select> of every team: one input per key and one list of 20 suggestions for the page', async () => {
    const html = await get('/clients');
    expect(html.length).toBeLessThan(250_000);
    expect(html.match(/<datalist /g)?.length).toBe(1);
    expect(html).not.toContain('name="team_id"');
    expect(options(html).filter((v) => v.startsWith('project-'))).toEqual(Array.from({ length: 20 }, (_, i) => teamName(i)));
    // Each key's picker holds its team's name; keys without one are blank.
    expect(html.match(/name="team" list="team-choices" value="project-0001"/g)?.length).toBe(25);
    expect(html).toContain('team project-0001');
  });

  test('/teams/choices?q= suggests up to 20 teams whose name starts with it, as JSON', async () => {
    const r = await fetch(`${gw.url}/teams/choices?q=Project-27`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect((await r.json()).data).toEqual(Array.from({ length: 20 }, (_, i) => ({ value: teamName(2700 + i) })));
    expect((await (await fetch(`${gw.url}/teams/choices?q=project-2999`, { headers: { cookie: admin.cookie } })).json()).data).toEqual([{ value: teamName(2999) }]);
    expect((await (await fetch(`${gw.url}/teams/choices?q=nothing`, { headers: { cookie: admin.cookie } })).json()).data).toEqual([]);
  });

  test('saving a key with a team typed by name puts it in that team; blank takes it out; an unknown name is refused on the field', async () => {
    const id = gw.clientId;
    const ok = await post(`/clients/${id}/limits`, { ...KEY_FORM, team: 'PROJECT-2999 ' });
    expect(ok.status).toBe(200);
    expect(gw.ctx.db.select().from(clients).where(eq(clients.id, id)).get()!.teamId).toBe(teamIds[2999]!);
    expect(await ok.text()).toContain('value="project-2999"');

    const bad = await post(`/clients/${id}/limits`, { ...KEY_FORM, team: 'no-such-team' });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('hx-retarget')).toBe(`#client-${id}-limits-errors`);
    const msg = (await bad.text()).replaceAll('&#x27;', "'");
    expect(msg).toContain("No team is named 'no-such-team'");
    expect(msg).toContain('data-param="team"');
    expect(gw.ctx.db.select().from(clients).where(eq(clients.id, id)).get()!.teamId).toBe(teamIds[2999]!);

    expect((await post(`/clients/${id}/limits`, { ...KEY_FORM, team: '' })).status).toBe(200);
    expect(gw.ctx.db.select().from(clients).where(eq(clients.id, id)).get()!.teamId).toBe(null);
  });

  test('a typed name far longer than any team\'s is repeated in the refusal cut short, as every refusal names a value (shownValue)', async () => {
    const bad = await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, team: 'z'.repeat(5000) });
    expect(bad.status).toBe(422);
    const named = /No team is named &#x27;(z*)(…?)&#x27;/.exec(await bad.text());
    expect([named?.[1]?.length, named?.[2]]).toEqual([256, '…']);
  });

  test('a viewer gets no team picker, no suggestion list and no limits editor', async () => {
    const html = await get('/clients', viewer);
    expect(html).toContain('team project-0001');
    expect(html).not.toContain('<datalist');
    expect(html).not.toContain('name="team"');
    expect(html).not.toContain('Save limits');
    expect((await post(`/clients/${gw.clientId}/limits`, { ...KEY_FORM, team: teamName(5) }, { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf })).status).toBe(403);
  });
});

describe('the Logs client filter', () => {
  test('no <select> of every key: an input with a list of 20 suggestions; /clients/choices?q= finds more', async () => {
    for (let i = 0; i < 40; i++) gw.addClient(`batch-${String(i).padStart(2, '0')}`);
    const html = await get('/logs');
    expect(html).not.toContain('<select id="logs-client"');
    expect(options(html).filter((v) => /\(#\d+\)$/.test(v)).length).toBe(20);
    const r = await (await fetch(`${gw.url}/clients/choices?q=BATCH-3`, { headers: { cookie: viewer.cookie } })).json();
    expect(r.data.map((c: { value: string }) => c.value.replace(/ \(#\d+\)$/, ''))).toEqual(Array.from({ length: 10 }, (_, i) => `batch-3${i}`));
  });

  test('a key is filtered by its id, by a picked `name (#id)` or by a name only it has; a name two keys share asks to pick', async () => {
    const [one] = gw.ctx.db.select().from(clients).where(eq(clients.name, 'batch-07')).all();
    for (const v of [String(one!.id), `batch-07 (#${one!.id})`, 'batch-07', 'BATCH-07']) {
      const html = await get(`/logs?client=${encodeURIComponent(v)}`);
      expect([v, /id="logs-client"[^>]*value="([^"]*)"/.exec(html)?.[1]]).toEqual([v, `batch-07 (#${one!.id})`]);
      expect(html).not.toContain('class="form-errors"');
    }
    gw.addClient('batch-07');
    const twice = (await get('/logs?client=batch-07')).replaceAll('&#x27;', "'");
    expect(twice).toContain("Several client keys are named 'batch-07'");
    expect((await get('/logs?client=nobody')).replaceAll('&#x27;', "'")).toContain("No client key is named 'nobody'");
  });
});
