/**
 * The dashboard's pages and HTMX partials on SQLite and on PostgreSQL (en-US collation) from the
 * same keys, teams and log rows, as an admin and as a viewer: Usage with each range and the team
 * filter typed in other cases (names outside ASCII too), Logs with client, team, model, provider,
 * status and time filters (a key's name typed in another case, the ways a person would), the
 * pickers' suggestions, the Teams search, and every other page; each answer (status and HTML,
 * this run's keys and tokens masked) the same on both stores. The Logs pages followed with Older
 * to the end, through 120 rows at one instant, list the same rows in the same order on both.
 * (test/postgres/store-parity.test.ts compares /api/* and the unfiltered pages.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, makeUser, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import type { LogRow } from '../../src/logging/log-row';
import { mixedRecords } from '../logging/log-test-helpers';

const NOW = Date.now();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIDNIGHT = Math.floor(NOW / DAY) * DAY;
const E = encodeURIComponent;

interface Side { gw: TestGateway; admin: Session; viewer: Session }

/** This run's keys, tokens and clock readings, masked alike on both stores. */
const masked = (html: string) =>
  html.replace(/gg-[A-Za-z0-9_-]{7}/g, '<key>').replace(/(csrf[^"]*"\s*(content|value)=")[^"]+/gi, '$1<csrf>').replace(/nonce="[^"]+"/g, 'nonce')
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
});
