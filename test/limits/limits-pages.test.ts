/** The Teams page and the limits on the Clients page over real HTTP, as the dashboard's forms send them. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, teams } from '../../src/db/schema';
import { createClient } from '../../src/admin/clients-service';
import { createTeam, deleteTeam } from '../../src/admin/teams-service';
import { ADMIN_PASSWORD, login, makeUser } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: { cookie: string; csrf: string };

async function signIn(username: string, password: string) {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/teams`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

const post = (as: { cookie: string; csrf: string }, path: string, body: Record<string, string>) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { cookie: as.cookie, 'x-csrf-token': as.csrf, 'hx-request': 'true' }, body: new URLSearchParams(body) });

const LIMITS = { models: '', budget_usd: '', budget_period: 'month', rpm: '', tpm: '' };

beforeAll(async () => {
  gw = await startGateway();
  admin = await signIn('admin', 'test-admin-password');
}, 30_000);
afterAll(() => gw.close());

test('an admin creates and edits a team; the Clients page puts a key in it with limits and shows spend against budget', async () => {
  const created = await post(admin, '/teams', { name: 'research', ...LIMITS, budget_usd: '20', budget_period: 'week', rpm: '100', models: 'openai/*, fast-flow' });
  expect(created.status).toBe(200);
  const html = await created.text();
  expect(html).toContain('id="teams-table"');
  expect(html).toContain('100 rpm');
  const team = gw.ctx.db.select().from(teams).where(eq(teams.name, 'research')).get()!;
  expect([team.budgetUsd, team.budgetPeriod, team.models]).toEqual([20, 'week', ['openai/*', 'fast-flow']]);

  const edited = await post(admin, `/teams/${team.id}`, { name: 'research', ...LIMITS, tpm: '50000' });
  expect(edited.status).toBe(200);
  expect(gw.ctx.db.select().from(teams).where(eq(teams.id, team.id)).get()).toMatchObject({ rpm: null, tpm: 50000, budgetUsd: null, models: null });

  const limited = await post(admin, `/clients/${gw.clientId}/limits`, {
    ...LIMITS, budget_usd: '2', budget_period: 'day', rpm: '60', max_parallel: '4', expires_at: '2099-01-01T00:00:00Z', team_id: String(team.id),
  });
  expect(limited.status).toBe(200);
  const page = await limited.text();
  expect(page).toContain('role="meter"');
  expect(page).toContain('$0 of $2.00 today');
  expect(page).toContain('team research');
  const row = gw.ctx.db.select().from(clients).where(eq(clients.id, gw.clientId)).get()!;
  expect([row.budgetUsd, row.rpm, row.maxParallel, row.teamId, row.expiresAt]).toEqual([2, 60, 4, team.id, Date.parse('2099-01-01T00:00:00Z')]);
  expect(gw.ctx.state.getSnapshot().clientsById!.get(gw.clientId)!.limits!.scopes.length).toBe(2);

  const bad = await post(admin, `/clients/${gw.clientId}/limits`, { ...LIMITS, rpm: '0', max_parallel: '', expires_at: '', team_id: '' });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain('rpm');

  const gone = await post(admin, `/teams/${team.id}/delete`, {});
  expect(gone.status).toBe(200);
  expect(gw.ctx.db.select().from(clients).where(eq(clients.id, gw.clientId)).get()!.teamId).toBe(null);
});

test('a viewer sees the Teams page and the limits, without controls, and cannot change them', async () => {
  await post(admin, '/teams', { name: 'visible', ...LIMITS, budget_usd: '5' });
  await post(admin, `/clients/${gw.clientId}/limits`, { ...LIMITS, budget_usd: '3', max_parallel: '', expires_at: '', team_id: '' });
  await makeUser(gw, await login(gw, 'admin', ADMIN_PASSWORD), 'viewer1', 'viewer');
  const viewer = await signIn('viewer1', 'viewer1-password-1');
  const page = await (await fetch(`${gw.url}/teams`, { headers: { cookie: viewer.cookie } })).text();
  expect(page).toContain('visible');
  expect(page).not.toContain('Create team');
  expect(page).not.toContain('hx-post="/teams/');
  const clientsPage = await (await fetch(`${gw.url}/clients`, { headers: { cookie: viewer.cookie } })).text();
  expect(clientsPage).toContain('role="meter"');
  expect(clientsPage).not.toContain('/limits"');
  expect((await post(viewer, '/teams', { name: 'nope', ...LIMITS })).status).toBe(403);
  expect((await post(viewer, `/clients/${gw.clientId}/limits`, { ...LIMITS, rpm: '1' })).status).toBe(403);
});

test('a key past its expiry reads "expired", not "active" (it gets 401); moved later, it is active again', async () => {
  const { id, key } = await createClient(gw.ctx, 'short-lived');
  const form = { ...LIMITS, max_parallel: '', team_id: '' };
  const badge = (html: string) => new RegExp(`<tbody id="client-${id}"[\\s\\S]*?<span class="badge (\\w+)">(\\w+)</span>`).exec(html)?.slice(1);
  const past = await post(admin, `/clients/${id}/limits`, { ...form, expires_at: '2020-01-01T00:00:00Z' });
  expect(past.status).toBe(200);
  expect(badge(await past.text())).toEqual(['warn', 'expired']);
  const refused = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }) });
  expect(refused.status).toBe(401);
  const later = await post(admin, `/clients/${id}/limits`, { ...form, expires_at: '2099-01-01T00:00:00Z' });
  expect(badge(await later.text())).toEqual(['ok', 'active']);
});

test('saving a team deleted meanwhile (another tab) shows the list without it and says so', async () => {
  const { id } = await createTeam(gw.ctx, { name: 'gone-meanwhile' });
  await deleteTeam(gw.ctx, id);
  const r = await post(admin, `/teams/${id}`, { name: 'gone-meanwhile', ...LIMITS, rpm: '5' });
  expect(r.status).toBe(422);
  expect(r.headers.get('hx-retarget')).toBeNull();
  const html = await r.text();
  expect(html).toContain('id="teams-section"');
  expect(html).not.toContain(`id="team-${id}"`);
  expect(html).toContain(`No team with id ${id}.`);
});
