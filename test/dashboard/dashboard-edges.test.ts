/**
 * Edges an operator met on the dashboard, over real HTTP: a change posted to an address whose id
 * is no id is a 400 naming it (as /api answers), not "No team with id -1"; a refused pager link
 * (`/logs?before_id=-1`) shows only its error, not the empty log's "send a request" text; a log
 * row whose pool key was removed since says so (`#3 (removed)`), not a bare "3"; a save whose body is
 * no form (text/plain) is read as an empty form, not a 500.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, apiLogRow, json, login, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
let upstream: FakeUpstream;
let admin: Session;

beforeAll(async () => {
  upstream = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  // No key from the environment: every OpenAI request goes through the pool's keys.
  gw = await startGateway({ storeLogs: true, env: providerEnv('openai', `${upstream.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: '' }) });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  upstream?.close();
});

/** A dashboard form post as htmx sends it (session cookie, CSRF header). */
const post = (path: string, form: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: path.startsWith('/users/') && !path.includes('/role') && !path.includes('/password') ? 'DELETE' : 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });

const page = async (path: string) => {
  const r = await fetch(`${gw.url}${path}`, { headers: { cookie: admin.cookie } });
  return { status: r.status, html: await r.text() };
};

describe('an id in a dashboard address that is no id', () => {
  test('is a 400 naming it, on every route that takes one', async () => {
    const team = (await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Real' } }))).id;
    const cases: [string, Record<string, string>, string][] = [
      ['/teams/abc', { name: 'x' }, 'abc'], ['/teams/abc/delete', {}, 'abc'], [`/teams/${team}x`, { name: 'x' }, `${team}x`],
      ['/clients/abc/rename', { name: 'x' }, 'abc'], ['/clients/abc/limits', { rpm: '5' }, 'abc'], ['/clients/1e1/revoke', {}, '1e1'],
      ['/users/abc/role', { role: 'viewer' }, 'abc'], ['/users/abc/password', { password: 'long-enough-password-1' }, 'abc'], ['/users/-1', {}, '-1'],
    ];
    for (const [path, form, bad] of cases) {
      const r = await post(path, form);
      const text = await r.text();
      expect([path, r.status]).toEqual([path, 400]);
      expect(text).toContain(`&#x27;${bad}&#x27;`);
      expect(text).toContain('must be a positive whole number');
      expect(text).not.toContain('-1.');
    }
    // The team is untouched, and a real id still saves.
    expect((await post(`/teams/${team}`, { name: 'Renamed' })).status).toBe(200);
    expect((await json(await api(gw, 'GET', `/api/teams/${team}`, { as: admin }))).name).toBe('Renamed');
  });
});

test('a refused pager link shows only its error, not the empty log text', async () => {
  // A request is in the log, so the page would show it without the bad link.
  await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const { status, html } = await page('/logs?before_id=-1');
  expect(status).toBe(200);
  expect(html).toContain('before_id');
  expect(html).toContain('must be a whole number');
  expect(html).not.toContain('Send a request through /v1');
  expect(html).not.toContain('No requests match');
  expect(html).not.toContain('0 rows');
});

test("a removed pool key reads '#id (removed)' in the log detail; a present one its label", async () => {
  const key = await json(await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-pool-key-abcdefghijklmn7890', label: 'spare' } }));
  const { response } = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'pool' }] }).withResponse();
  const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
  const providerKey = async () => /<dt>Provider key<\/dt><dd><code>([^<]*)<\/code>/.exec((await page(`/logs/${row.id}`)).html)?.[1];
  expect(await providerKey()).toBe('spare ••••7890');
  expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${key.id}`, { as: admin })).status).toBeLessThan(300);
  expect(await providerKey()).toBe(`#${key.id} (removed)`);
});

test('a save whose body is no form (text/plain, as a script may send) changes nothing and is no 500', async () => {
  // The model and provider saves read the body with `in`, which throws on a string: a 500.
  const model = await json(await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'plain-body-model', provider: 'openai', input_price: 1, output_price: 2 } }));
  const before = await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }));
  for (const path of [`/models/${model.id}`, '/providers/openai', '/teams', '/clients', '/groups', '/users']) {
    const r = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'content-type': 'text/plain' },
      body: 'enabled=off',
    });
    expect([path, r.status < 500]).toEqual([path, true]);
  }
  expect((await json(await api(gw, 'GET', `/api/models/${model.id}`, { as: admin }))).enabled).toBe(true);
  expect(await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).toEqual(before);
});

test('a multipart body the form parser cannot read is a 400 saying so, not "not valid JSON"', async () => {
  // Posted by hand or by a script; the dashboard's own forms are url-encoded.
  const broken: [string, string][] = [
    ['multipart/form-data', 'username=admin&password=x'],
    ['multipart/form-data; boundary=xx', '--xx\r\nbroken\r\n\r\n--'],
  ];
  for (const path of ['/login', '/teams']) {
    for (const [type, text] of broken) {
      const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': type }, body: text });
      const body = (await r.json()) as any;
      expect({ path, type, status: r.status, message: body.error.message }).toEqual({ path, type, status: 400, message: expect.stringContaining('multipart/form-data') });
    }
  }
  // A JSON body that is not JSON is still told so.
  const r = await fetch(`${gw.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
  expect(((await r.json()) as any).error.code).toBe('invalid_json');
});
