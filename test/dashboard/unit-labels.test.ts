/**
 * A heading or label that holds a figure and its unit ("Requests (30 d)", "Last 24 h",
 * "Errors (15 min)") keeps them together: a no-break space between them, so a narrow column (the
 * Clients table lets its headings wrap) never shows "Requests (30" above "d)". Read off the HTML a
 * viewer and an admin get over HTTP.
 */
import { expect, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, makeUser, useDashboardGateway } from '../helpers/admin-harness';

let gw: TestGateway;
let cookie: string;
let viewerCookie: string;
useDashboardGateway(async (s) => {
  gw = s.gw;
  cookie = s.cookie;
  viewerCookie = (await makeUser(gw, s.admin, 'unitviewer', 'viewer')).cookie;
  expect((await api(gw, 'POST', '/api/clients', { as: s.admin, body: { name: 'unit-labels-key' } })).status).toBe(201);
  // A key pool, so the Providers page lists its keys with their last 24 hours.
  expect((await api(gw, 'POST', '/api/providers/openai/keys', { as: s.admin, body: { key: 'sk-unit-labels-0123456789' } })).status).toBe(201);
});

const page = async (path: string, as: string) => {
  const r = await fetch(`${gw.url}${path}`, { headers: { cookie: as } });
  expect(r.status).toBe(200);
  return r.text();
};

test("the viewer's Clients table heads its usage column 'Requests (30\\u00a0d)'", async () => {
  const html = await page('/clients', viewerCookie);
  expect(html).toContain('<th class="num">Requests (30\u00a0d)</th>');
  expect(html).not.toContain('Requests (30 d)');
});

test("the Providers page writes 'Errors (15\\u00a0min)' and its key pool's 'Last 24\\u00a0h'", async () => {
  const html = await page('/providers', cookie);
  expect(html).toContain('<dt>Errors (15\u00a0min)</dt>');
  expect(html).toContain('>Last 24\u00a0h</th>');
  expect(html).not.toMatch(/Errors \(15 min\)|>Last 24 h</);
});
