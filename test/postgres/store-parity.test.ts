/**
 * The same product on both stores: one scenario (admin API calls, error cases included, then log
 * rows through each store's real sink) run on a SQLite gateway and on a PostgreSQL one, and every
 * answer compared exactly: status, body shape and JSON types (numbers stay numbers, booleans
 * booleans, JSON columns objects). Values that differ by nature (keys, clock readings) are masked
 * by their type only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import type { LogRow } from '../../src/logging/log-row';
import { mixedRecords } from '../logging/log-test-helpers';
import { openMonitor } from '../helpers/monitor-socket';
import { MEASURES, ROLLUP_TABLES } from '../../src/logging/rollup-tables';
import { createLogSink } from '../../src/logging/log-sink';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { num } from '../../src/db/store';

const NOW = Date.now();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight UTC today: rows land on both sides of it and of yesterday's. */
const MIDNIGHT = Math.floor(NOW / DAY) * DAY;

interface Side {
  gw: TestGateway;
  admin: Session;
}

/** Masks what differs between two runs by nature, keeping its JSON type. */
function mask(v: unknown, key = ''): unknown {
  // The one accepted difference: PostgreSQL's text cannot hold U+0000, stored as U+FFFD (src/db/pg-text.ts).
  if (typeof v === 'string' && v.includes('\u0000')) return mask(v.replaceAll('\u0000', '\uFFFD'), key);
  if (Array.isArray(v)) return v.map((x) => mask(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x, k)]));
  if ((key === 'key' || key === 'key_prefix') && typeof v === 'string' && v.startsWith('gg-')) return '<client key>';
  if (/(_at|_until)$/.test(key) && typeof v === 'number' && Math.abs(v - NOW) < DAY) return '<now:number>';
  if (/(_at|_until)$/.test(key) && typeof v === 'string' && Math.abs(Date.parse(v) - NOW) < DAY) return '<now:string>';
  if ((key === 'token' || key === 'csrf_token') && typeof v === 'string') return '<token>';
  return v;
}

describe('SQLite and PostgreSQL answer alike', () => {
  let pg: TestDatabase;
  const sides: Side[] = [];
  const diffs: string[] = [];

  /** Runs one call on both stores; records a difference in status or masked body. */
  async function both(method: string, path: string, body?: unknown, signedIn = true): Promise<any[]> {
    const out: { status: number; body: unknown }[] = [];
    for (const s of sides) {
      const r = await api(s.gw, method, path, { as: signedIn ? s.admin : null, body });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      out.push({ status: r.status, body: mask(parsed) });
    }
    const [a, b] = out.map((o) => JSON.stringify(o));
    if (a !== b) diffs.push(`${method} ${path}${body ? ' ' + JSON.stringify(body) : ''}\n  sqlite: ${a}\n  pg:     ${b}`);
    return out.map((o) => o.body);
  }

  beforeAll(async () => {
    // Sorting text as a server set up for English does (SQLite sorts by code point).
    pg = await createTestDatabase('gg_parity', { icuLocale: 'en-US' });
    const env = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__INSTANCE_ID: 'parity' };
    for (const extra of [{}, { LLM_PROXY__DATABASE__URL: pg.url }] as Record<string, string>[]) {
      const gw = await startGateway({ storeLogs: true, env: { ...env, ...extra } });
      sides.push({ gw, admin: await login(gw, 'admin', ADMIN_PASSWORD) });
    }
  }, 60_000);
  beforeEach(() => {
    diffs.length = 0;
  });
  afterAll(async () => {
    for (const s of sides) await s.gw.close();
    await pg?.drop();
  });

  test('admin API: teams, clients, users, providers, models, groups and their errors', async () => {
    await both('POST', '/api/teams', { name: 'red', budget_usd: 10, budget_period: 'month', models: ['mock/*'], rpm: 100 });
    await both('POST', '/api/teams', { name: 'red' });
    await both('POST', '/api/teams', { name: '' });
    await both('GET', '/api/teams');
    await both('GET', '/api/teams/1');
    await both('GET', '/api/teams/999');
    await both('PATCH', '/api/teams/1', { tpm: 5000, budget_usd: 2.5 });
    await both('PATCH', '/api/teams/999', { tpm: 5000 });
    await both('POST', '/api/teams', { name: 'blue' });
    // Listed in SQLite's order (code points: 'Blue' < '_ops' < 'blue' < 'red'), whatever the database's locale.
    await both('POST', '/api/teams', { name: 'Blue' });
    await both('POST', '/api/teams', { name: '_ops' });
    await both('GET', '/api/teams');

    await both('GET', '/api/clients');
    await both('POST', '/api/clients', { name: 'alpha', team_id: 1, budget_usd: 1.5, budget_period: 'day', rpm: 10, tpm: 1000, max_parallel: 2, models: ['mock/*', 'gpt-4o'], expires_at: '2030-01-01T00:00:00Z' });
    await both('POST', '/api/clients', { name: 'beta' });
    await both('POST', '/api/clients', { name: 'gamma', team_id: 999 });
    await both('POST', '/api/clients', { name: 'delta', budget_period: 'year' });
    await both('POST', '/api/clients', {});
    await both('GET', '/api/clients');
    await both('GET', '/api/clients/2');
    await both('GET', '/api/clients/999');
    await both('GET', '/api/clients/abc');
    await both('PATCH', '/api/clients/3', { team_id: 2, budget_usd: 0.25 });
    await both('PATCH', '/api/clients/3', { team_id: null, models: null });
    await both('PATCH', '/api/clients/999', { rpm: 1 });
    await both('DELETE', '/api/teams/2');
    await both('DELETE', '/api/teams/2');

    // Numbers at and past the edges of PostgreSQL's bigint and of JavaScript's safe integers.
    await both('POST', '/api/clients', { name: 'edge', team_id: 1e20 });
    await both('POST', '/api/clients', { name: 'edge', team_id: 9007199254740993 });
    await both('PATCH', '/api/clients/3', { team_id: 1.5 });
    await both('PATCH', '/api/clients/3', { budget_usd: 1e300, rpm: 1e9 });
    await both('PATCH', '/api/clients/3', { budget_usd: null, rpm: null });
    await both('GET', '/api/clients/1e3');
    await both('GET', '/api/teams/99999999999999999999');
    await both('DELETE', '/api/clients/9223372036854775808');
    await both('PATCH', '/api/models/gpt-4o', { context_window: 1e18 });
    await both('PATCH', '/api/models/gpt-4o', { context_window: 2 ** 63 });
    await both('GET', '/api/users');
    await both('POST', '/api/users', { username: 'viewer1', password: 'viewer-password-1', role: 'viewer' });
    await both('POST', '/api/users', { username: 'viewer1', password: 'viewer-password-1', role: 'viewer' });
    await both('POST', '/api/users', { username: 'x', password: 'short', role: 'boss' });
    await both('GET', '/api/users');
    await both('GET', '/api/users/2');
    await both('PATCH', '/api/users/2', { role: 'admin' });
    await both('GET', '/api/users/999');
    await both('DELETE', '/api/users/999');

    await both('GET', '/api/providers');
    await both('GET', '/api/providers/openai');
    await both('GET', '/api/providers/nope');
    await both('PATCH', '/api/providers/openai', { enabled: true });
    const [added] = await both('POST', '/api/providers/openai/keys', { key: 'sk-parity-0123456789abcd', weight: 3, label: 'team a' });
    // null clears the label to key-<last4>, computed by the store itself: the same text in both.
    await both('PATCH', `/api/providers/openai/keys/${added.id}`, { label: null });
    await both('PATCH', `/api/providers/openai/keys/${added.id}`, { label: 'team a' });
    await both('POST', '/api/providers/openai/keys', { key: '' });
    await both('GET', '/api/providers/openai');
    await both('DELETE', '/api/providers/openai/keys/999');

    await both('GET', '/api/models');
    await both('GET', '/api/models?provider=mock');
    await both('GET', '/api/models/gpt-4o');
    await both('GET', '/api/models/no-such');
    await both('PATCH', '/api/models/gpt-4o', { input_price: 2.125, enabled: false, context_window: 64000 });
    await both('PATCH', '/api/models/gpt-4o', { input_price: -1 });
    await both('POST', '/api/models', { id: 'o3-mini', provider: 'openai' });
    await both('POST', '/api/models', { id: 'o3-mini', provider: 'openai' });
    await both('POST', '/api/models', { id: 'my-own', provider: 'openai', input_price: 0.5, output_price: 1.5 });
    await both('POST', '/api/models', { id: 'bad id!', provider: 'openai' });
    await both('DELETE', '/api/models/o3-mini');
    await both('DELETE', '/api/models/o3-mini');
    for (const id of ['Zed-1', 'alpha-1', '_x-1']) await both('POST', '/api/models', { id, provider: 'mock', input_price: 0, output_price: 0 });
    await both('GET', '/api/models?provider=mock');
    await both('GET', '/api/models');

    await both('GET', '/api/groups');
    await both('GET', '/api/groups/fast-flow');
    await both('GET', '/api/groups/none');
    await both('POST', '/api/groups', { name: 'parity', strategy: 'heuristic', targets: ['mock/echo', 'gpt-4o-mini'], settings: { rules: [] } });
    await both('POST', '/api/groups', { name: 'parity', strategy: 'heuristic', targets: ['mock/echo'] });
    await both('POST', '/api/groups', { name: 'bad', strategy: 'nope', targets: [] });
    await both('PUT', '/api/groups/parity', { strategy: 'heuristic', targets: ['mock/echo'], primary_use: 'tests' });
    await both('GET', '/api/groups/parity');
    await both('POST', '/api/groups/try', { model: 'parity', messages: [{ role: 'user', content: 'hi' }] });
    await both('DELETE', '/api/groups/parity');
    await both('DELETE', '/api/groups/parity');
    for (const name of ['Zeta', 'alpha', '_under']) await both('POST', '/api/groups', { name, strategy: 'heuristic', targets: ['mock/echo'] });
    await both('GET', '/api/groups');

    // Text with U+0000 (a name a client or script made up): answered as on SQLite, never a 500.
    await both('GET', '/api/models/a%00b');
    await both('GET', '/api/groups/a%00b');
    await both('GET', '/api/teams/1?x=%00');
    await both('POST', '/api/groups', { name: 'nul', strategy: 'heuristic', targets: ['mock/echo'], primary_use: 'x\u0000y' });
    await both('GET', '/api/groups/nul');
    await both('GET', '/api/usage/summary?provider=a%00b');
    await both('GET', '/api/usage/breakdown?by=model&model=a%00b');
    await both('GET', '/api/logs?model=a%00b');
    await both('POST', '/api/auth/login', { username: 'ad\u0000min', password: 'x' }, false);
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 60_000);

  test('logs, usage and spend from the same rows', async () => {
    // 400 rows 7 min 13 s apart from yesterday 02:00 (so across midnight), plus five at one instant (ties).
    const start = MIDNIGHT - DAY + 2 * HOUR;
    const rows: LogRow[] = mixedRecords(400, start).map((r, i) => ({ ...r, requestId: `parity-${i}`, costUsd: r.costUsd + i * 1e-7, costUnknown: i % 29 === 0 }));
    const tie = MIDNIGHT - 30 * 60_000;
    for (let i = 0; i < 5; i++) rows.push({ ...rows[i]!, requestId: `parity-tie-${i}`, createdAt: tie, clientId: 2, teamId: 1, costUsd: 0.01 * (i + 1) });
    // Free models with one request each: tied in the breakdown, listed by name on both stores.
    for (const model of ['free-b', 'Free-A', 'free-a', '_free']) {
      rows.push({ ...rows[3]!, requestId: `parity-${model}`, createdAt: tie + HOUR, provider: 'ollama', model, modelRequested: model, costUsd: 0, status: 200, errorType: null, error: null });
    }
    // Spend over three days of a key with no budget, read back as a sum of its daily rollups: the
    // same figure from SQLite's compensated sum and PostgreSQL's plain one.
    const [sums] = await both('POST', '/api/clients', { name: 'sums', budget_period: 'total' });
    [0.1, 0.2, 0.3].forEach((costUsd, i) =>
      rows.push({ ...rows[7]!, requestId: `parity-sum-${i}`, createdAt: start - i * DAY, clientId: sums.id, teamId: null, costUsd }));
    // The same three costs served through a pool key in the last day: its usage on the provider's page.
    const [openaiBefore] = await both('GET', '/api/providers/openai');
    const poolKey = openaiBefore.keys.find((k: any) => k.label === 'team a');
    [0.1, 0.2, 0.3].forEach((costUsd, i) =>
      rows.push({ ...rows[7]!, requestId: `parity-key-${i}`, createdAt: NOW - (i + 1) * HOUR, provider: 'openai', model: 'gpt-4o', providerKeyId: poolKey.id, costUsd }));
    // A refused request whose model name carries U+0000: its row (and the batch it is in) is written on both.
    rows.push({ ...rows[5]!, requestId: 'parity-nul', createdAt: tie + HOUR, model: null, provider: null, modelRequested: 'echo\u0000x', status: 400, errorType: 'invalid_request_error', error: "bad 'echo\u0000x'", costUsd: 0 });
    for (const s of sides) {
      for (const r of rows) s.gw.ctx.logSink.write({ ...r });
      const deadline = Date.now() + 20_000;
      for (;;) {
        const got = (await (await api(s.gw, 'GET', '/api/logs?limit=1000', { as: s.admin })).json()) as any;
        if (got.data.length >= rows.length) break;
        if (Date.now() > deadline) throw new Error(`only ${got.data.length} rows`);
        await Bun.sleep(50);
      }
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    const logQueries = [
      'limit=1000', 'limit=7', 'client_id=2&limit=20', 'provider=openai', 'model=gpt-4o', 'model=dispatcher', 'model=no-such-model',
      'status=error', 'status=ok&limit=1000', 'status=502', 'status=404', 'endpoint=classifier', 'endpoint=chat&limit=3',
      `from=${tie}&to=${tie + 1}`, `from=${iso(MIDNIGHT)}&limit=1000`, `to=${encodeURIComponent('2030-01-01T00:00:00+02:00')}&limit=5`,
      'status=abc', 'limit=0', 'limit=1001', 'endpoint=nope', 'from=yesterday', `from=${NOW}&to=${NOW - 1}`, 'client_id=-1',
      'team=2&limit=7', 'team=1&status=error', 'team=999', 'team=abc', 'team=0',
    ];
    for (const q of logQueries) await both('GET', `/api/logs?${q}`);
    // One team's rows, and only those, on both stores.
    const [sqliteTeam1, pgTeam1] = await both('GET', '/api/logs?team=1&limit=1000');
    const team1 = rows.filter((r) => r.teamId === 1).map((r) => r.requestId).sort();
    expect(team1.length).toBeGreaterThan(0);
    for (const side of [sqliteTeam1, pgTeam1]) expect(side.data.map((r: any) => r.request_id).sort()).toEqual(team1);
    // Each row shows its team as team_id (a number, or null for none) on both stores.
    const [sqliteAll, pgAll] = await both('GET', '/api/logs?limit=1000');
    const teamOf = new Map(rows.map((r) => [r.requestId, r.teamId ?? null]));
    for (const side of [sqliteAll, pgAll]) for (const r of side.data) expect({ id: r.request_id, team_id: r.team_id }).toEqual({ id: r.request_id, team_id: teamOf.get(r.request_id) ?? null });
    expect(new Set(sqliteAll.data.map((r: any) => r.team_id)).size).toBeGreaterThan(1);
    // Paging through the ties and across midnight with before_id, three rows a page.
    for (const q of [`from=${tie - HOUR}&to=${tie + HOUR}`, 'client_id=2', 'team=1']) {
      let before = '';
      for (let page = 0; page < 6; page++) {
        const [a] = await both('GET', `/api/logs?${q}&limit=3${before}`);
        const last = a.data?.at(-1);
        if (!last) break;
        before = `&before_id=${last.id}`;
      }
    }
    const ranges = [
      '', `from=${start}&to=${NOW + HOUR}`, `from=${iso(MIDNIGHT - 90 * 60_000)}&to=${iso(MIDNIGHT + 90 * 60_000)}`,
      `from=${encodeURIComponent(iso(MIDNIGHT).replace('Z', '+05:30'))}&to=${encodeURIComponent(iso(MIDNIGHT + DAY).replace('Z', '-08:00'))}`,
      `from=${MIDNIGHT - DAY + 17 * 60_000}&to=${MIDNIGHT + 43 * 60_000}`, 'client_id=2', 'provider=openai', 'model=gpt-4o-mini', 'client_id=0',
      `from=${MIDNIGHT}&to=${MIDNIGHT}`, 'from=bad',
      // One team's usage (usage_team_full_*), alone and with a range cutting days and another filter.
      'team=1', `team=2&from=${MIDNIGHT - DAY + 17 * 60_000}&to=${MIDNIGHT + 43 * 60_000}`, 'team=1&provider=openai', 'team=999', 'team=abc',
    ];
    for (const r of ranges) {
      await both('GET', `/api/usage/summary?${r}`);
      for (const b of ['hour', 'day']) await both('GET', `/api/usage/timeseries?bucket=${b}&${r.includes('from=') ? r : `from=${start}&to=${NOW}&${r}`}`);
      for (const by of ['provider', 'model', 'client']) await both('GET', `/api/usage/breakdown?by=${by}&${r}`);
    }
    await both('GET', '/api/usage/breakdown?by=client&limit=2');
    await both('GET', `/api/usage/breakdown?by=model&provider=ollama&from=${tie}`);
    await both('GET', `/api/logs?model=${encodeURIComponent('echo\u0000x')}`);
    await both('GET', '/api/usage/breakdown?by=team');
    await both('GET', '/api/usage/timeseries?bucket=week');
    await both('GET', '/api/clients');
    await both('GET', '/api/clients/2');
    const [spent] = await both('GET', `/api/clients/${sums.id}`);
    expect(spent.spend_usd).toBe(0.6);
    const [openai] = await both('GET', '/api/providers/openai');
    expect(openai.keys.find((k: any) => k.id === poolKey.id).usage_24h).toEqual({ requests: 3, errors: 0, cost_usd: 0.6 });
    await both('GET', '/api/teams');
    await both('GET', '/api/teams/1');
    // Every rollup table (hourly, daily; per model, client and team) holds the same totals.
    for (const t of ROLLUP_TABLES) {
      const key = [t.time, ...t.dims];
      const read = async (s: Side) =>
        (await s.gw.ctx.store.all<Record<string, unknown>>(`SELECT ${[...key, ...MEASURES].join(', ')} FROM ${t.name} ORDER BY ${key.join(', ')}`))
          // Raw reads: PostgreSQL's bigint comes back as text (the store's callers convert, as here).
          .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'provider' || k === 'model' ? v : k === 'cost_usd' ? Math.round(num(v) * 1e9) / 1e9 : num(v)])));
      // In code-point order here (the query's ORDER BY follows the database's locale), U+0000 as PostgreSQL stores it.
      const sorted = async (s: Side) => (mask(await read(s)) as Record<string, unknown>[]).map((r) => JSON.stringify(r)).sort();
      const [a, b] = [await sorted(sides[0]!), await sorted(sides[1]!)];
      expect({ table: t.name, rows: b }).toEqual({ table: t.name, rows: a });
    }
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 120_000);

  test('log retention deletes the same raw rows and keeps the same totals', async () => {
    const old = MIDNIGHT - 40 * DAY + 5 * HOUR;
    const rows = mixedRecords(30, old).map((r, i) => ({ ...r, requestId: `parity-old-${i}` }));
    for (const s of sides) {
      for (const r of rows) s.gw.ctx.logSink.write({ ...r });
      const deadline = Date.now() + 20_000;
      while (((await (await api(s.gw, 'GET', `/api/logs?to=${old + DAY}&limit=1000`, { as: s.admin })).json()) as any).data.length < rows.length) {
        if (Date.now() > deadline) throw new Error('old rows not written');
        await Bun.sleep(50);
      }
    }
    const count = async (s: Side) => num((await s.gw.ctx.store.all<{ n: unknown }>('SELECT count(*) AS n FROM request_logs'))[0]!.n);
    const counts = [await count(sides[0]!), await count(sides[1]!)];
    const reads = async () => {
      await both('GET', `/api/logs?to=${old + DAY}&limit=1000`);
      await both('GET', `/api/usage/summary?from=${old - DAY}`);
      await both('GET', `/api/usage/timeseries?bucket=day&from=${old - DAY}&to=${MIDNIGHT + DAY}`);
      await both('GET', '/api/usage/breakdown?by=client');
      await both('GET', '/api/clients');
    };
    await reads();
    // A retention pass of 30 days on each store, as each instance runs it at start and hourly.
    for (const s of sides) {
      const ctx = s.gw.ctx;
      const pass = ctx.store.kind === 'postgres'
        ? createPgLogSink((ctx.store as any).client, { retentionDays: 30 })
        : createLogSink({ dbPath: ctx.config.database.path, retentionDays: 30 });
      await pass.runRetention();
      await pass.close();
    }
    await reads();
    expect([await count(sides[0]!), await count(sides[1]!)]).toEqual(counts.map((n) => n - rows.length));
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 60_000);

  test('dashboard pages show the same numbers', async () => {
    const [{ data: [newest] }] = await both('GET', '/api/logs?limit=1');
    const paths = ['/', '/?range=7d', '/?range=30d', '/?range=90d', '/logs', '/logs?status=error&provider=openai', `/logs?before_id=${newest.id}`,
      `/logs/${newest.id}`, '/logs/999999', '/monitor', '/clients', '/teams', '/providers', '/models', '/groups', '/users'];
    for (const path of paths) {
      const pages: string[] = [];
      for (const s of sides) {
        const r = await fetch(`${s.gw.url}${path}`, { headers: { cookie: s.admin.cookie } });
        const html = (await r.text())
          .replaceAll('\u0000', '\uFFFD')
          .replace(/gg-[A-Za-z0-9_-]{7}/g, '<key>')
          .replace(/(csrf[^"]*"\s*(content|value)=")[^"]+/gi, '$1<csrf>')
          .replace(/nonce="[^"]+"/g, 'nonce')
          .replace(/x-csrf-token&#34;:&#34;[^&]+/g, 'x-csrf-token')
          // The monitor names each row's instance on PostgreSQL only (several instances feed it there).
          .replace(/data-show-instance="(true|false)"/g, 'data-show-instance')
          // Clock readings of this run (users and clients made a moment ago), not the rows' times.
          .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, (t) => (Math.abs(Date.parse(`${t.replace(' ', 'T')}Z`) - NOW) < 10 * 60_000 ? '<now>' : t));
        pages.push(`${r.status}\n${html}`);
      }
      if (pages[0] !== pages[1]) {
        const a = pages[0]!.split('>'), b = pages[1]!.split('>');
        const lines = a.map((l, i) => (l !== b[i] ? `  sqlite: ${l.slice(0, 300)}\n  pg:     ${(b[i] ?? '').slice(0, 300)}` : '')).filter(Boolean);
        diffs.push(`page ${path}\n${lines.slice(0, 8).join('\n')}`);
      }
    }
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 60_000);

  test('real traffic: the same rows, monitor events and stored responses', async () => {
    await both('POST', '/api/models', { id: 'mock-priced', provider: 'mock', input_price: 1.5, output_price: 3.25 });
    const answers: unknown[][] = [[], []];
    const events: any[][] = [];
    for (const [i, s] of sides.entries()) {
      const mon = await openMonitor(s.gw, s.admin);
      events.push(mon.events);
      const alpha = await (await api(s.gw, 'POST', '/api/clients', { as: s.admin, body: { name: 'traffic', budget_usd: 5, models: ['mock/*', 'mock-priced'] } })).json() as any;
      const post = (path: string, body: unknown, key = alpha.key) =>
        fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const ids: string[] = [];
      const record = async (r: Response) => {
        ids.push(r.headers.get('x-request-id') ?? '');
        const text = await r.text();
        answers[i]!.push({ status: r.status, type: r.headers.get('content-type'), limit: r.headers.get('x-ratelimit-remaining-requests') });
        return text;
      };
      await record(await post('/v1/chat/completions', { model: 'mock-priced', messages: [{ role: 'user', content: 'price me please' }] }));
      await record(await post('/v1/chat/completions', { model: 'mock/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me' }] }));
      await record(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'not allowed' }] }));
      await record(await post('/v1/chat/completions', { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, s.gw.clientKey));
      // Refused for the model name, whose row carries the name as sent: U+0000 and a lone surrogate.
      await record(await post('/v1/chat/completions', { model: 'mock/echo\u0000\ud800x', messages: [{ role: 'user', content: 'x' }] }));
      await record(await post('/v1/embeddings', { model: 'mock/embed', input: ['a', 'b'] }));
      const first = JSON.parse(await record(await post('/v1/responses', { model: 'mock-priced', input: 'remember seven' })));
      const second = JSON.parse(await record(await post('/v1/responses', { model: 'mock-priced', input: 'what number?', previous_response_id: first.id })));
      await record(await post('/v1/messages', { model: 'mock-priced', max_tokens: 50, messages: [{ role: 'user', content: 'hello claude shape' }] }));
      const get = (path: string) => fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${alpha.key}` } });
      await s.gw.ctx.responseStore.flush();
      const items = await (await get(`/v1/responses/${second.id}/input_items?order=asc`)).json() as any;
      answers[i]!.push(items.data?.map((x: any) => x.content?.[0]?.text ?? x.type));
      answers[i]!.push((await get(`/v1/responses/${first.id}`)).status);
      answers[i]!.push((await fetch(`${s.gw.url}/v1/responses/${first.id}`, { headers: { authorization: `Bearer ${s.gw.clientKey}` } })).status);
      const deadline = Date.now() + 15_000;
      while (!ids.every((id) => !id || mon.events.some((e) => e.request_id === id)) && Date.now() < deadline) await Bun.sleep(20);
      mon.close();
      // The rows as listed, in request order, and the monitor events, with this run's ids and clock masked.
      const listed = (await (await api(s.gw, 'GET', '/api/logs?limit=1000', { as: s.admin })).json() as any).data;
      const clock = (r: any) => ({ ...r, id: typeof r.id, request_id: typeof r.request_id, created_at: typeof r.created_at, latency_ms: typeof r.latency_ms, ttfb_ms: typeof r.ttfb_ms, overhead_ms: typeof r.overhead_ms, parent_request_id: typeof r.parent_request_id, client_id: typeof r.client_id, instance: r.instance });
      answers[i]!.push(mask(ids.map((id) => clock(listed.find((r: any) => r.request_id === id) ?? { missing: true }))));
      answers[i]!.push(mask(ids.map((id) => clock(mon.events.find((e) => e.request_id === id) ?? { missing: true }))));
      answers[i]!.push(mask(await (await api(s.gw, 'GET', `/api/clients/${alpha.id}`, { as: s.admin })).json()));
    }
    expect(answers[1]).toEqual(answers[0]!);
    await both('GET', '/api/teams/1');
    await both('GET', '/api/providers/mock');
    if (diffs.length) console.log(diffs.join('\n'));
    expect(diffs).toEqual([]);
  }, 60_000);
});
