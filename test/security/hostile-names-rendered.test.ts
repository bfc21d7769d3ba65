/**
 * Markup in every name a client or an admin chooses, sent over real HTTP and then read back in the
 * pages that show it: key, team and group texts (admin API), model names, request bodies and
 * `user` fields (a client's /v1 requests, their bodies kept with LLM_PROXY__LOGGING__STORE_BODIES),
 * on every dashboard page, each request's detail, the filters and the HTMX partials. Nothing may
 * parse as an element or handler (test/dashboard/escaping.test.tsx checks the views one by one).
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { api, apiLogRow, useDashboardGateway, type Session } from '../helpers/admin-harness';
import { injected } from '../helpers/html-injections';
import type { TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const X = '<img src=x onerror=alert(1)>';
const Q = `"><script>alert(2)</script>`;
const S = `</script><script>alert(3)</script>`;
const T = `</textarea><svg onload=alert(4)>`;

let gw: TestGateway;
let admin: Session;
let cookie: string;
useDashboardGateway((s) => ({ gw, admin, cookie } = s), { storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__LOGGING__STORE_BODIES: 'true' } });

const page = async (path: string) => {
  const r = await fetch(`${gw.url}${path}`, { headers: { cookie } });
  return { status: r.status, html: await r.text() };
};

test('names, model names and bodies with markup are shown as text on every page that shows them', async () => {
  for (const [path, body] of [
    ['/api/clients', { name: X + Q }], ['/api/clients', { name: S + T }],
    ['/api/teams', { name: X + Q }], ['/api/teams', { name: S + T }],
    ['/api/groups', { name: 'hostile-texts', strategy: 'heuristic', targets: ['mock/echo'], primary_use: X + Q + S + T }],
  ] as const)
    expect([path, (await api(gw, 'POST', path, { as: admin, body })).status]).toEqual([path, 201]);

  const ids: string[] = [];
  for (const model of [`mock/${X}`, `mock/${S}`, 'mock/echo']) {
    const sent = [
      gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, user: X, messages: [{ role: 'system', content: T }, { role: 'user', content: X + Q + S + T }] }) }),
      gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ model, max_tokens: 8, system: S, messages: [{ role: 'user', content: X + Q + T }] }) }),
      gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model, instructions: Q + T, input: X + S }) }),
    ];
    for (const r of await Promise.all(sent)) {
      expect(r.status).toBe(200);
      ids.push(r.headers.get('x-request-id')!);
    }
  }
  // One refused request too: its error quotes the model it names.
  const refused = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: X + S, messages: [{ role: 'user', content: 'x' }] }) });
  expect(refused.status).toBe(404);
  ids.push(refused.headers.get('x-request-id')!);
  for (const id of ids) await apiLogRow(gw, admin, id);

  const rows = ((await (await api(gw, 'GET', '/api/logs?limit=100', { as: admin })).json()) as { data: { id: number }[] }).data;
  expect(rows.length).toBe(ids.length);
  const paths = [
    '/', '/clients', '/teams', '/groups', '/models', '/providers', '/users', '/logs', '/monitor',
    ...rows.map((r) => `/logs/${r.id}`),
    `/logs?model=${encodeURIComponent(X + S)}`, `/logs?model=${encodeURIComponent(`mock/${X}`)}&status=error`,
    `/groups/try?model=${encodeURIComponent(X + S)}&prompt=${encodeURIComponent(T)}`, `/teams?q=${encodeURIComponent(X + S)}`,
  ];
  for (const path of paths) {
    const { status, html } = await page(path);
    expect([path, status < 500]).toEqual([path, true]);
    expect([path, await injected(html)]).toEqual([path, []]);
  }
  // The texts are there, escaped: shown, not dropped.
  expect((await page('/clients')).html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect((await page(`/logs/${rows.at(-1)!.id}`)).html).toContain('&lt;/textarea&gt;&lt;svg onload=alert(4)&gt;');
  // The pickers' suggestion lists are JSON, read by choices.js into .value/.label.
  for (const path of [`/clients/choices?q=${encodeURIComponent('<')}`, `/teams/choices?q=${encodeURIComponent('<')}`]) {
    const r = await fetch(`${gw.url}${path}`, { headers: { cookie } });
    expect([path, r.headers.get('content-type')]).toEqual([path, expect.stringContaining('application/json')]);
  }
});
