/** Helpers for driving the admin API over real HTTP: sign in, call with bearer or cookie. */
import { afterAll, beforeAll } from 'bun:test';
import { createApp } from '../../src/app';
import { createTestDatabase, type TestDatabase } from './pg-database';
import { startGateway, useGateway, type GatewayOptions, type TestGateway } from './start-gateway';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface Session {
  token: string;
  csrf: string;
  /** `gg_session=<token>` for a Cookie header. */
  cookie: string;
  mustChange: boolean;
}

export interface CallOptions {
  /** Send the session as a bearer token (default) or as the cookie (with or without CSRF). */
  as?: Session | null;
  via?: 'bearer' | 'cookie';
  csrf?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function login(gw: TestGateway, username: string, password: string): Promise<Session> {
  const r = await fetch(`${gw.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  const b = (await r.json()) as any;
  return { token: b.token, csrf: b.csrf_token, cookie: `gg_session=${b.token}`, mustChange: b.must_change_password };
}

/** The dashboard's session cookie (`gg_session=<token>`), signed in through its /login form as a browser does. */
export async function dashboardCookie(gw: TestGateway, username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  const cookie = r.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`dashboard sign-in of ${username}: ${r.status} ${await r.text()}`);
  return cookie;
}

/** One /api call. Without `as` no credentials are sent. */
export async function api(gw: TestGateway, method: string, path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.as) {
    if ((o.via ?? 'bearer') === 'bearer') headers.authorization = `Bearer ${o.as.token}`;
    else {
      headers.cookie = o.as.cookie;
      const csrf = o.csrf === undefined ? o.as.csrf : o.csrf;
      if (csrf !== null) headers['x-csrf-token'] = csrf;
    }
  }
  return fetch(`${gw.url}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
}

export async function json(r: Response): Promise<any> {
  return r.json();
}

/**
 * The GET /api/logs row (the admin API's JSON, as operators read it) of one request, asked for by
 * its request id (`?request_id=`), once the log writer committed it; throws after `ms`, or when
 * the request left more than one row.
 */
export async function apiLogRow(gw: TestGateway, as: Session, requestId: string, ms = 10_000): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = ((await json(await api(gw, 'GET', `/api/logs?request_id=${encodeURIComponent(requestId)}`, { as }))) as { data: any[] }).data;
    if (rows.some((r) => r.request_id !== requestId)) throw new Error(`?request_id=${requestId} listed another request's row`);
    if (rows.length > 1) throw new Error(`request ${requestId} left ${rows.length} log rows`);
    const row = rows[0];
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${requestId}`);
    await Bun.sleep(20);
  }
}

/** A gateway whose admin signs in with ADMIN_PASSWORD (no forced change) unless env says otherwise. */
export function startAdminGateway(opts: GatewayOptions = {}): Promise<TestGateway> {
  return startGateway(opts);
}

/** What useAdminGateway hands the test file once the gateway is up. */
export interface AdminGateway {
  gw: TestGateway;
  /** `admin` signed in with ADMIN_PASSWORD. */
  admin: Session;
}

/**
 * The usual file setup of admin API tests: before all, start an admin gateway, sign in as
 * `admin` and hand both to `ready` (which may do more setup); after all, close the gateway.
 */
export function useAdminGateway(ready: (s: AdminGateway) => unknown, opts: GatewayOptions = {}): void {
  useGateway(async (gw) => ready({ gw, admin: await login(gw, 'admin', ADMIN_PASSWORD) }), opts);
}

/**
 * useAdminGateway on either store: SQLite, or a PostgreSQL database of its own (named from
 * `pgPrefix`), dropped after all; for the describe.each(['sqlite', 'postgres']) files.
 */
export function useAdminGatewayOn(dialect: 'sqlite' | 'postgres', pgPrefix: string, ready: (s: AdminGateway) => unknown): void {
  let pg: TestDatabase | undefined;
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    if (dialect === 'postgres') pg = await createTestDatabase(pgPrefix);
    gw = await startGateway({ env: pg ? { LLM_PROXY__DATABASE__URL: pg.url } : {} });
    await ready({ gw, admin: await login(gw, 'admin', ADMIN_PASSWORD) });
  });
  afterAll(async () => {
    await gw?.close();
    await pg?.drop();
  });
}

/** useAdminGateway, with the admin's dashboard cookie too (signed in through the /login form). */
export function useDashboardGateway(ready: (s: AdminGateway & { cookie: string }) => unknown, opts: GatewayOptions = {}): void {
  useAdminGateway(async (s) => ready({ ...s, cookie: await dashboardCookie(s.gw) }), opts);
}

/** Creates a user through the API as `admin` and signs them in. */
export async function makeUser(gw: TestGateway, admin: Session, username: string, role: 'admin' | 'viewer'): Promise<Session> {
  const password = `${username}-password-1`;
  const r = await api(gw, 'POST', '/api/users', { as: admin, body: { username, password, role } });
  if (r.status !== 201) throw new Error(`create ${username}: ${r.status} ${await r.text()}`);
  return login(gw, username, password);
}

/** Every route of the real app (the same table the gateway serves). */
export function appRoutes(gw: TestGateway): { method: string; path: string }[] {
  return createApp(gw.ctx).routes.map((r) => ({ method: r.method, path: r.path }));
}

/** A concrete path for a route pattern: params get sample values that exist in a fresh database. */
export function concretePath(pattern: string): string {
  return pattern
    .replace(/:id\b/g, '1')
    .replace(/:name\b/g, 'fast-flow')
    .replace(/:[A-Za-z_]+/g, 'x')
    .replace(/\*/g, 'x');
}

/** A plausible body so a request passes validation and reaches the role check if it got that far. */
export const SAMPLE_BODY = { name: 'sample', username: 'sampleuser', password: 'sample-password', role: 'viewer' };
