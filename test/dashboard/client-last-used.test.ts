/**
 * "Last used" of a client comes from what the log writer keeps (newest raw row, else the newest
 * hourly rollup once retention removed the rows), and GET /api/clients, GET /api/clients/:id and
 * the Clients page all say the same. Rows are inserted as the log writer would leave them.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { clientsLastUsed } from '../../src/admin/client-last-used';
import { dateTime, utcDateTime } from '../../src/dashboard/format';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let gw: TestGateway;
let admin: Session;
let seq = 0;

function rawRow(clientId: number | null, createdAt: number) {
  gw.ctx.sqlite
    .query(`INSERT INTO request_logs (created_at, request_id, client_id, endpoint, model_requested, status) VALUES (?, ?, ?, 'chat', 'gpt-4o-mini', 200)`)
    .run(createdAt, `req-${++seq}`, clientId);
}
/** An hour of a client's use in the hourly rollups, as the writer keeps it (full and per-client). */
function rollupRow(clientId: number, hour: number, model = 'gpt-4o-mini') {
  gw.ctx.sqlite
    .query(`INSERT INTO usage_hourly (hour, provider, model, client_id, requests) VALUES (?, 'openai', ?, ?, 1)`)
    .run(hour, model, clientId);
  gw.ctx.sqlite
    .query(`INSERT INTO usage_client_hourly (hour, client_id, requests) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET requests = requests + 1`)
    .run(hour, clientId);
}
/** A client created `ageMs` ago (creation bounds the rollup walk). */
function client(name: string, ageMs: number): number {
  const { id } = gw.addClient(name);
  gw.ctx.sqlite.query('UPDATE clients SET created_at = ? WHERE id = ?').run(Date.now() - ageMs, id);
  return id;
}

/** Last-used cell of each client row on the Clients page: id -> its full date (the title). */
async function pageLastUsed(): Promise<Map<number, string>> {
  const r = await fetch(`${gw.url}/clients`, { headers: { cookie: admin.cookie } });
  expect(r.status).toBe(200);
  const out = new Map<number, string>();
  let current = -1;
  await new HTMLRewriter()
    .on('#clients-table tbody.client', { element: (el) => void (current = Number(el.getAttribute('id')!.replace('client-', ''))) })
    .on('#clients-table td.last-used', { element: (el) => void out.set(current, el.getAttribute('title')!) })
    .transform(new Response(await r.text()))
    .text();
  return out;
}

beforeAll(async () => {
  gw = await startGateway();
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(() => gw.close());

describe('client last used', () => {
  test('raw rows first, then the hourly rollup; API list, API item and page agree', async () => {
    const now = Date.now();
    const fresh = client('fresh', 2 * DAY);
    const expired = client('expired', 90 * DAY);
    const never = client('never-used', 90 * DAY);
    const newborn = client('newborn', 0);

    // fresh: several raw rows (and rollups, as the writer keeps both); the newest row wins.
    const freshLast = now - 5 * 60_000 + 123;
    for (const t of [now - DAY, freshLast, now - 2 * HOUR]) rawRow(fresh, t);
    rollupRow(fresh, Math.floor(freshLast / HOUR) * HOUR);
    // Other clients' rows (and anonymous refusals) never leak into another client's answer.
    rawRow(null, now - 60_000);
    rawRow(gw.clientId, now - 30_000);
    // The oldest surviving raw row: everything older was purged by retention.
    rawRow(gw.clientId, now - 20 * DAY);

    // expired: only rollup rows remain, in two models; the newest hour wins.
    const expiredHour = Math.floor((now - 40 * DAY) / HOUR) * HOUR;
    rollupRow(expired, expiredHour - 5 * DAY);
    rollupRow(expired, expiredHour, 'gpt-4o');
    rollupRow(expired, expiredHour - HOUR);

    const expected = new Map<number, number | null>([[fresh, freshLast], [expired, expiredHour], [never, null], [newborn, null]]);

    const list = (await json(await api(gw, 'GET', '/api/clients', { as: admin }))).data as { id: number; last_used_at: number | null }[];
    const page = await pageLastUsed();
    for (const [id, want] of expected) {
      expect({ id, list: list.find((c) => c.id === id)!.last_used_at }).toEqual({ id, list: want });
      const one = await json(await api(gw, 'GET', `/api/clients/${id}`, { as: admin }));
      expect({ id, one: one.last_used_at }).toEqual({ id, one: want });
      expect({ id, page: page.get(id) }).toEqual({ id, page: utcDateTime(want) });
    }
    expect(page.get(never)).toBe('never');
    // The gateway's own test client used the gateway 30 s ago.
    expect(list.find((c) => c.id === gw.clientId)!.last_used_at).toBe(now - 30_000);
  });

  test('once its rows expire, a client falls back to its rollup hour', async () => {
    const id = client('rolled', 60 * DAY);
    const t = Date.now() - 45 * DAY;
    rollupRow(id, Math.floor(t / HOUR) * HOUR);
    rawRow(id, t);
    const createdAt = Date.now() - 60 * DAY;
    expect((await clientsLastUsed(gw.ctx.store, [{ id, created_at: createdAt }])).get(id)).toBe(t);
    gw.ctx.sqlite.query('DELETE FROM request_logs WHERE client_id = ?').run(id);
    expect((await clientsLastUsed(gw.ctx.store, [{ id, created_at: createdAt }])).get(id)).toBe(Math.floor(t / HOUR) * HOUR);
  });

  test('rollup rows before a client existed are not its use', async () => {
    // (Such rows cannot exist with AUTOINCREMENT ids.)
    const id = client('late', 10 * DAY);
    rollupRow(id, Math.floor((Date.now() - 30 * DAY) / HOUR) * HOUR);
    expect((await clientsLastUsed(gw.ctx.store, [{ id, created_at: Date.now() - 10 * DAY }])).get(id)).toBeNull();
  });
});
