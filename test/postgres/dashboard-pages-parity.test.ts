/**
 * The dashboard's pages and HTMX partials on SQLite and on PostgreSQL (en-US collation) from the
 * same keys, teams and log rows, as an admin and as a viewer: Usage with each range and the team
 * filter typed in other cases (names outside ASCII too), Logs with client, team, model, provider,
 * status and time filters (a key's name typed in another case, the ways a person would), the
 * pickers' suggestions, the Teams search, and every other page; each answer (status and HTML,
 * this run's keys and tokens masked) the same on both stores. The Logs pages followed with Older
 * to the end, through 120 rows at one instant, list the same rows in the same order on both, as
 * do the Clients and Teams pages (keys made in the same millisecond; team names in both cases and
 * outside ASCII, which en-US would sort otherwise), and each row's detail panel. Forms posted the
 * way HTMX posts them answer alike too (names taken up to case, a team typed in another case), and
 * a team lists its keys in id order after one was renamed.
 * (test/postgres/store-parity.test.ts compares /api/* and the unfiltered pages.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, makeUser, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import type { LogRow } from '../../src/logging/log-row';
import { mixedRecords } from '../logging/log-test-helpers';
import { createClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';

const NOW = Date.now();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIDNIGHT = Math.floor(NOW / DAY) * DAY;
const E = encodeURIComponent;

interface Side { gw: TestGateway; admin: Session; viewer: Session }

/** This run's keys, tokens and clock readings, masked alike on both stores. */
const masked = (html: string) =>
  html.replace(/gg-[A-Za-z0-9_-]{7,}/g, '<key>').replace(/(csrf[^"]*"\s*(content|value)=")[^"]+/gi, '$1<csrf>').replace(/nonce="[^"]+"/g, 'nonce')
    .replace(/x-csrf-token&#34;:&#34;[^&]+/g, 'x-csrf-token')
    // The monitor names each row's instance on PostgreSQL only (several instances feed it there).
    .replace(/data-show-instance="(true|false)"/g, 'data-show-instance')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, (t) => (Math.abs(Date.parse(`${t.replace(' ', 'T')}Z`) - NOW) < 10 * 60_000 ? '<now>' : t));

describe('dashboard pages and partials alike on SQLite and PostgreSQL', () => {
  let pg: TestDatabase;
  const sides: Side[] = [];

  beforeAll(async () => {
    pg = await createTestDatabase('qa_dash_pg_pages', { icuLocale: 'en-US' });
    for (const extra of [{}, { LLM_PROXY__DATABASE__URL: pg.url }] as Record<string, string>[]) {
      const gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__INSTANCE_ID: 'parity', ...extra } });
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      sides.push({ gw, admin, viewer: await makeUser(gw, admin, 'viewer1', 'viewer') });
    }
    for (const s of sides) {
      for (const name of ['Red', 'Équipe Nord', 'ärzte', 'blue', 'Zeta', 'red_x']) await api(s.gw, 'POST', '/api/teams', { as: s.admin, body: { name, budget_usd: 1.25 } });
      for (const [i, name] of ['Ärzte-Bot', 'alpha', 'Alpha', 'beta', 'Ωmega', 'İstanbul', 'straße'].entries())
        await api(s.gw, 'POST', '/api/clients', { as: s.admin, body: { name, team_id: (i % 6) + 1, budget_usd: 0.3 } });
      // Two days from 01:00 UTC, spread over the seven keys (rows with no key stay so), then 120 at one instant.
      const rows: LogRow[] = mixedRecords(300, MIDNIGHT - 2 * DAY + HOUR)
        .map((r, i) => ({ ...r, requestId: `pages-${i}`, clientId: r.clientId === null ? null : (i % 7) + 1, costUsd: r.costUsd + i * 1.1e-7 }));
      for (let i = 0; i < 120; i++) rows.push({ ...rows[i + 1]!, requestId: `pages-tie-${i}`, createdAt: MIDNIGHT - 5 * 60_000, teamId: i % 3 ? 1 : null });
      for (const r of rows) s.gw.ctx.logSink.write({ ...r });
      const deadline = Date.now() + 20_000;
      while (((await (await api(s.gw, 'GET', '/api/logs?limit=1000', { as: s.admin })).json()) as any).data.length < rows.length) {
        if (Date.now() > deadline) throw new Error('rows not written');
        await Bun.sleep(50);
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const s of sides) await s.gw.close();
    await pg?.drop();
  });

  const get = async (s: Side, who: 'admin' | 'viewer', path: string, hx: boolean) => {
    const headers: Record<string, string> = { cookie: s[who].cookie };
    // As HTMX asks for a page swapped into #main.
    if (hx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': 'main', 'hx-current-url': `${s.gw.url}${path}` });
    const r = await fetch(`${s.gw.url}${path}`, { headers });
    return `${r.status}\n${masked(await r.text())}`;
  };

  test('each page, partial and suggestion list, as an admin and as a viewer', async () => {
    const paths = [
      '/', '/?range=7d', '/?range=30d', '/?range=90d', '/?team=red', '/?team=RED', `/?team=${E('équipe nord')}`, `/?team=${E('ÄRZTE')}`, '/?team=nope&range=7d', '/?team=red_x&range=30d',
      '/logs', '/logs?team=red', `/logs?client=${E('ärzte-bot')}`, `/logs?client=${E('ÄRZTE-BOT')}`, '/logs?client=ALPHA', `/logs?client=${E('ωmega')}`, `/logs?client=${E('STRASSE')}`,
      '/logs?model=GPT-4O', '/logs?model=gpt-4o', '/logs?provider=OpenAI', '/logs?status=error&team=blue', '/logs?endpoint=chat&status=ok',
      `/logs?from=${E('2020-01-01T00:00')}&to=${E(new Date(MIDNIGHT).toISOString().slice(0, 16))}`,
      '/clients/choices?q=%C3%A4', '/clients/choices?q=%C3%84', '/clients/choices?q=AL', `/clients/choices?q=${E('Ω')}`,
      '/teams/choices?q=%C3%A9', '/teams/choices?q=%C3%89', '/teams/choices?q=R', `/teams?q=${E('é')}`, `/teams?q=${E('ÄR')}`, '/teams?q=RED',
      '/clients', '/teams', '/users', '/models', '/providers', '/groups', '/monitor',
    ];
    const diffs: string[] = [];
    for (const who of ['admin', 'viewer'] as const) {
      for (const path of paths) {
        for (const hx of [false, true]) {
          const [a, b] = [await get(sides[0]!, who, path, hx), await get(sides[1]!, who, path, hx)];
          if (a === b) continue;
          const x = a.split('>'), y = b.split('>');
          const lines = x.map((l, i) => (l !== y[i] ? `  sqlite: ${l.slice(0, 300)}\n  pg:     ${(y[i] ?? '').slice(0, 300)}` : '')).filter(Boolean);
          diffs.push(`${who}${hx ? ' (htmx)' : ''} ${path}\n${lines.slice(0, 6).join('\n')}`);
        }
      }
    }
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 120_000);

  test('the Logs pages, followed with Older to the end, list the same rows in the same order', async () => {
    for (const q of ['', 'team=red', 'status=ok']) {
      const listed: string[][] = [];
      for (const s of sides) {
        const ids: string[] = [];
        let url = `/logs?${q}`;
        while (url) {
          const html = await (await fetch(`${s.gw.url}${url}`, { headers: { cookie: s.admin.cookie } })).text();
          ids.push(...[...html.matchAll(/<tr [^>]*id="log-(\d+)"/g)].map((m) => m[1]!));
          url = /id="logs-older" class="btn small" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
        }
        expect(new Set(ids).size).toBe(ids.length);
        listed.push(ids);
      }
      expect({ q, pg: listed[1] }).toEqual({ q, pg: listed[0] });
      expect(listed[0]!.length).toBeGreaterThan(100);
    }
  }, 60_000);

  /** `path` and the pages its `#${next}` link leads to, each answer as `get` masks it. */
  async function follow(s: Side, path: string, next: string): Promise<string[]> {
    const pages: string[] = [];
    for (let url = path; url;) {
      const page = await get(s, 'admin', url, false);
      pages.push(page);
      url = new RegExp(`id="${next}" class="btn small" href="([^"]+)"`).exec(page)?.[1]?.replaceAll('&amp;', '&') ?? '';
    }
    return pages;
  }

  test('the Clients and Teams pages paged to the end, and each log row\'s detail', async () => {
    const initials = ['a', 'B', '_', 'é', 'Z', 'ä', 'É'];
    for (const s of sides) {
      for (let i = 0; i < 110; i++) await createClient(s.gw.ctx, `key ${initials[i % 7]}${i}`);
      for (let i = 0; i < 105; i++) await createTeam(s.gw.ctx, { name: `${initials[i % 7]}-team-${i}` });
    }
    for (const [path, next] of [['/clients', 'clients-older'], ['/teams', 'teams-next'], [`/teams?q=${E('É')}`, 'teams-next']]) {
      const [a, b] = [await follow(sides[0]!, path!, next!), await follow(sides[1]!, path!, next!)];
      expect(a.length).toBeGreaterThan(path === '/teams?q=%C3%89' ? 0 : 1);
      expect({ path, pg: b }).toEqual({ path, pg: a });
    }
    const ids = ((await (await api(sides[0]!.gw, 'GET', '/api/logs?limit=1000', { as: sides[0]!.admin })).json()) as any).data.map((r: any) => r.id);
    for (const id of ids.filter((_: number, i: number) => i % 9 === 0)) {
      for (const who of ['admin', 'viewer'] as const) {
        const detail = async (s: Side) => {
          const r = await fetch(`${s.gw.url}/logs/${id}`, { headers: { cookie: s[who].cookie, 'hx-request': 'true', 'hx-target': 'log-detail' } });
          return `${r.status}\n${masked(await r.text())}`;
        };
        expect({ id, who, pg: await detail(sides[1]!) }).toEqual({ id, who, pg: await detail(sides[0]!) });
      }
    }
  }, 120_000);

  test('forms posted as HTMX posts them answer alike', async () => {
    const forms: [string, Record<string, string>][] = [
      ['/teams', { name: 'RED' }], ['/teams', { name: 'Ärzte' }], ['/teams', { name: ' équipe NORD ' }], ['/teams', { name: 'new-team', budget_usd: '2,5', rpm: '60' }],
      ['/teams', { name: 'bad-budget', budget_usd: '-1' }], ['/clients', { name: 'Ärzte-Bot' }], ['/clients', { name: '' }],
      ['/clients/1/limits', { team: 'ÉQUIPE NORD', budget_usd: '0.125', budget_period: 'week', rpm: '', tpm: '1000', models: 'mock/*', max_parallel: '', expires_at: '' }],
      ['/clients/2/limits', { team: 'no such team', budget_usd: '' }], ['/clients/2/rename', { name: 'Ωmega' }], ['/clients/3/revoke', {}],
      ['/teams/2', { name: 'équipe nord', budget_usd: '0.1' }], ['/teams/2', { name: 'red' }], ['/teams/4/delete', {}],
    ];
    const diffs: string[] = [];
    // A viewer's first (refused, changing nothing), then the admin's.
    for (const [who, path, body] of [...forms.map(([p, b]) => ['viewer', p, b] as const), ...forms.map(([p, b]) => ['admin', p, b] as const)]) {
      const answers: string[] = [];
      for (const s of sides) {
        const r = await fetch(`${s.gw.url}${path}`, {
          method: 'POST',
          headers: { cookie: s[who].cookie, 'x-csrf-token': s[who].csrf, 'hx-request': 'true', 'hx-current-url': `${s.gw.url}${path.split('/').slice(0, 2).join('/')}` },
          body: new URLSearchParams(body),
        });
        answers.push(`${r.status}\n${masked(await r.text())}`);
      }
      if (answers[0] !== answers[1]) diffs.push(`${who} ${path} ${JSON.stringify(body)}`);
      if (who === 'viewer') expect({ path, status: answers[0]!.split('\n')[0] }).toEqual({ path, status: '403' });
    }
    // A team's keys in id order on both (PostgreSQL's own order moved a key just renamed to the end).
    for (const s of sides) {
      for (const t of ((await (await api(s.gw, 'GET', '/api/teams', { as: s.admin })).json()) as any).data) {
        expect({ team: t.name, client_ids: t.client_ids }).toEqual({ team: t.name, client_ids: [...t.client_ids].sort((x: number, y: number) => x - y) });
      }
    }
    for (const path of ['/clients', '/teams', '/logs?client=%CE%A9MEGA', `/?team=${E('ÉQUIPE nord')}`]) {
      if (await get(sides[1]!, 'viewer', path, true) !== await get(sides[0]!, 'viewer', path, true)) diffs.push(`viewer ${path}`);
    }
    expect(diffs).toEqual([]);
  }, 60_000);

  test('a model or group still in use names the groups using it in the same order, after one of them was edited', async () => {
    const answers: string[][] = [];
    for (const s of sides) {
      const call = (method: string, path: string, body?: unknown) => api(s.gw, method, path, { as: s.admin, body });
      await call('POST', '/api/models', { id: 'shared-target', provider: 'mock', input_price: 0, output_price: 0 });
      await call('POST', '/api/groups', { name: 'inner', strategy: 'heuristic', targets: ['shared-target'] });
      for (const name of ['g-c', 'g-a', 'g-b']) await call('POST', '/api/groups', { name, strategy: 'heuristic', targets: ['shared-target', 'inner'] });
      // Edited since: PostgreSQL keeps an updated row at the end of the table.
      await call('PUT', '/api/groups/g-c', { strategy: 'heuristic', targets: ['inner', 'shared-target'], primary_use: 'edited' });
      const post = (path: string) => fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { cookie: s.admin.cookie, 'x-csrf-token': s.admin.csrf, 'hx-request': 'true' } });
      answers.push([
        JSON.stringify(await (await call('DELETE', '/api/models/shared-target')).json()),
        JSON.stringify(await (await call('DELETE', '/api/groups/inner')).json()),
        masked(await (await post('/models/shared-target/delete')).text()).match(/still used by[^<]*/)?.[0] ?? 'none',
        masked(await (await post('/groups/inner/delete')).text()).match(/still a target of[^<]*/)?.[0] ?? 'none',
      ]);
    }
    expect(answers[0]!.join('\n')).toContain("model groups 'g-a', 'g-b', 'g-c', 'inner'");
    expect(answers[0]!.join('\n')).toContain('still a target of g-a, g-b, g-c.');
    expect(answers[1]).toEqual(answers[0]!);
  });
});
