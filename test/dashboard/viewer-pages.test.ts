/**
 * What a viewer sees on the dashboard is what the README and the dashboard's own texts say: every
 * sidebar page but the admin-only ones, read-only.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAV_PAGES, VIEWER_SCOPE } from '../../src/dashboard/components/layout';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, login, useAdminGateway } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let viewerCookie: string;
useAdminGateway(async ({ gw: g, admin }) => {
  gw = g;
  const password = 'viewer-pages-pass-1';
  expect((await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'pageviewer', password, role: 'viewer' } })).status).toBe(201);
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'pageviewer', password }), redirect: 'manual' });
  viewerCookie = r.headers.get('set-cookie')!.split(';')[0]!;
});

const README = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8').replace(/\s+/g, ' ');

describe('a viewer on the dashboard', () => {
  test('reads every sidebar page but the admin-only ones, which answer 403 saying what a viewer may read', async () => {
    for (const page of NAV_PAGES) {
      const r = await fetch(`${gw.url}${page.href}`, { headers: { cookie: viewerCookie } });
      const html = await r.text();
      expect({ page: page.href, status: r.status }).toEqual({ page: page.href, status: page.adminOnly ? 403 : 200 });
      if (page.adminOnly) expect(html).toContain(VIEWER_SCOPE);
    }
  });

  test('the README names the same pages as open to viewers, and the admin-only ones as closed', () => {
    const roles = /`viewer` reads every page but ([^.]*?) \(([^)]*)\)/.exec(README);
    expect(roles).not.toBeNull();
    expect(roles![1]!.split(', ')).toEqual(NAV_PAGES.filter((p) => p.adminOnly).map((p) => p.label));
    expect(roles![2]!.split(', ')).toEqual(NAV_PAGES.filter((p) => !p.adminOnly).map((p) => p.label));
    expect(README).not.toContain('reads analytics only');
  });
});

describe('a kept request body (LOGGING__STORE_BODIES) in the Logs detail', () => {
  const PROMPT = 'viewer-must-not-read-this-prompt';
  const insertRow = async () => {
    const { requestLogs } = await import('../../src/db/schema');
    return gw.ctx.db
      .insert(requestLogs)
      .values({ createdAt: Date.now(), requestId: `body-${crypto.randomUUID()}`, endpoint: 'chat', modelRequested: 'gpt-4o-mini', provider: 'openai', status: 200, body: JSON.stringify({ messages: [{ role: 'user', content: PROMPT }] }) })
      .returning({ id: requestLogs.id })
      .get().id;
  };

  test('a viewer is told one was kept, and gets none of it (as /api/logs never returns bodies)', async () => {
    const id = await insertRow();
    for (const hx of [{}, { 'hx-request': 'true', 'hx-target': 'log-detail' }] as Record<string, string>[]) {
      const r = await fetch(`${gw.url}/logs/${id}`, { headers: { cookie: viewerCookie, ...hx } });
      const html = await r.text();
      expect(r.status).toBe(200);
      expect(html).not.toContain(PROMPT);
      expect(html).toContain('shown to admins only');
    }
  });

  test('an admin reads it', async () => {
    const id = await insertRow();
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const html = await (await fetch(`${gw.url}/logs/${id}`, { headers: { cookie: admin.cookie } })).text();
    expect(html).toContain(PROMPT);
    expect(html).not.toContain('shown to admins only');
  });
});
