/**
 * One request followed through every place its log row shows (used on SQLite and PostgreSQL):
 * the stored row (raw SQL, column names), GET /api/logs, the live monitor event, and the
 * dashboard's logs list, detail panel and monitor seed.
 */
import { expect } from 'bun:test';
import { ADMIN_PASSWORD, api, json, login } from './admin-harness';
import { openMonitor } from './monitor-socket';
import type { TestGateway } from './start-gateway';

/** The fields GET /api/logs rows and monitor events carry (INTERFACE.md), `id` only on the API's. */
export const PUBLIC_LOG_JSON_KEYS = [
  'created_at', 'request_id', 'parent_request_id', 'client_id', 'endpoint', 'model_requested', 'model', 'provider', 'route',
  'stream', 'status', 'error_type', 'error', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'reasoning_tokens',
  'images', 'estimated', 'cost_usd', 'latency_ms', 'ttfb_ms', 'overhead_ms', 'cache_write_tokens', 'instance', 'cost_unknown',
  'provider_cost_usd', 'computed_cost_usd', 'team_id',
].sort();

/** A stored value as a number where the driver gave text (PostgreSQL bigint) or 0/1 (SQLite booleans). */
const plain = (v: unknown) => (typeof v === 'boolean' ? Number(v) : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

export async function checkLogRowRoundTrip(gw: TestGateway): Promise<Record<string, any>> {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const { events, close } = await openMonitor(gw, admin);
  try {
    const { response } = await gw
      .openai()
      .chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'round trip' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    // The monitor hears of a row once it is committed, so every read below finds it.
    const deadline = Date.now() + 15_000;
    while (!events.some((e) => e.request_id === requestId) && Date.now() < deadline) await Bun.sleep(20);
    const event = events.find((e) => e.request_id === requestId);
    expect(event).toBeDefined();

    const listed = await json(await api(gw, 'GET', `/api/logs?client_id=${gw.clientId}&limit=1000`, { as: admin }));
    const row = listed.data.find((r: any) => r.request_id === requestId);
    expect(Object.keys(row).sort()).toEqual(['id', ...PUBLIC_LOG_JSON_KEYS].sort());
    expect(row).toMatchObject({ client_id: gw.clientId, endpoint: 'chat', model_requested: 'mock/echo', status: 200, stream: false, error: null });
    expect(row.prompt_tokens).toBeGreaterThan(0);

    // The database's columns hold what the API shows under their names.
    const [stored] = await gw.ctx.store.all<Record<string, unknown>>('SELECT * FROM request_logs WHERE request_id = ?', [requestId]);
    for (const k of Object.keys(row)) expect({ k, v: plain(stored![k]) }).toEqual({ k, v: plain(row[k]) });

    // The monitor event is the same row (less the id the database assigned) with the client's name.
    const { id, ...rest } = row;
    expect(event).toEqual({ ...rest, client_name: 'test client' });

    const page = (path: string) => fetch(`${gw.url}${path}`, { headers: { cookie: admin.cookie } }).then((r) => r.text());
    expect(await page('/logs')).toContain(`id="log-${id}"`);
    expect(await page(`/logs/${id}`)).toContain(requestId);
    const monitorPage = await page('/monitor');
    expect(monitorPage).toContain(requestId);
    expect(monitorPage).toContain('cache_write_tokens');
    return row;
  } finally {
    close();
  }
}
