/**
 * What an admin names (clients, teams, provider key labels) and every /api JSON body are kept as
 * sent or refused, never stored silently changed: bytes that are not UTF-8 are a 400
 * `invalid_encoding` (Elysia's parser made them U+FFFD), and names holding unpaired surrogates
 * (SQLite stored U+FFFD), U+FFFD, controls, line breaks or bidi overrides are a 400 naming the
 * field, from the API and the dashboard's forms alike. Provider keys are printable ASCII (a NUL
 * made every request fail with 502; a non-ASCII one went out as mojibake).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: providerEnv('openai', 'http://127.0.0.1:9/v1') });

/** `json` with the `!` replaced by raw bytes (0xFF 0xFE: never UTF-8). */
const notUtf8 = (json: string) => {
  const e = new TextEncoder().encode(json);
  const i = e.indexOf(0x21);
  return new Uint8Array([...e.slice(0, i), 0xff, 0xfe, ...e.slice(i + 1)]) as Uint8Array<ArrayBuffer>;
};
const rawPost = (path: string, body: Uint8Array<ArrayBuffer>, auth = true) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${admin.token}` } : {}) },
    body,
  });
const names = async (path: string, field: string) => ((await json(await api(gw, 'GET', path, { as: admin }))).data as any[]).map((r) => r[field]);

describe('an /api JSON body that is not UTF-8', () => {
  for (const [path, body] of [
    ['/api/clients', '{"name":"client-!"}'],
    ['/api/teams', '{"name":"team-!"}'],
    ['/api/providers/openai/keys', '{"key":"sk-test-0123456789abcdef","label":"label-!"}'],
    ['/api/groups', '{"name":"g","strategy":"heuristic","targets":["gpt-4o-mini"],"primary_use":"use-!"}'],
  ] as const)
    test(`${path}: 400 invalid_encoding, nothing stored`, async () => {
      const res = await rawPost(path, notUtf8(body));
      expect(res.status).toBe(400);
      expect(await json(res)).toEqual({ error: { message: 'The request body is not valid UTF-8.', type: 'invalid_request_error', param: null, code: 'invalid_encoding' } });
    });

  test('sign-in too (before any credential is checked)', async () => {
    const res = await rawPost('/api/auth/login', notUtf8('{"username":"admin!","password":"x"}'), false);
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_encoding');
  });

  test('none of them was stored', async () => {
    expect((await names('/api/clients', 'name')).some((n: string) => n.startsWith('client-'))).toBe(false);
    expect((await names('/api/teams', 'name')).some((n: string) => n.startsWith('team-'))).toBe(false);
    const keys = (await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).keys as any[];
    expect(keys.some((k) => k.label.startsWith('label-'))).toBe(false);
  });

  test('malformed JSON is still invalid_json; UTF-8 text of any script is served', async () => {
    const bad = await fetch(`${gw.url}/api/clients`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` }, body: '{"name":' });
    expect((await json(bad)).error).toMatchObject({ code: 'invalid_json', param: null });
    const ok = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'Équipe 東京 🚀' } });
    expect(ok.status).toBe(201);
    expect((await json(ok)).name).toBe('Équipe 東京 🚀');
  });
});

const UNSAFE: [string, string][] = [
  ['an unpaired surrogate', 'a\ud800b'],
  ['U+FFFD', 'a\ufffdb'],
  ['NUL', 'a\u0000b'],
  ['a line break', 'a\nb'],
  ['a bidi override', '\u202eevil'],
];

describe('a name with characters it would be stored or shown changed by', () => {
  const message = (what: string) =>
    `The ${what} must not contain control, line-break, bidirectional-override or unpaired surrogate characters, nor U+FFFD (bytes that were not UTF-8).`;

  for (const [label, bad] of UNSAFE)
    test(`${label}: 400 on clients, teams and key labels (create and rename)`, async () => {
      const expect400 = async (res: Response, param: string, what: string) => {
        expect({ label, what, status: res.status }).toEqual({ label, what, status: 400 });
        expect(await json(res)).toEqual({ error: { message: message(what), type: 'invalid_request_error', param, code: 'invalid_request' } });
      };
      await expect400(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: bad } }), 'name', 'client name');
      await expect400(await api(gw, 'PATCH', `/api/clients/${gw.clientId}`, { as: admin, body: { name: bad } }), 'name', 'client name');
      await expect400(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: bad } }), 'name', 'team name');
      const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: `team ${label}` } }));
      await expect400(await api(gw, 'PATCH', `/api/teams/${team.id}`, { as: admin, body: { name: bad } }), 'name', 'team name');
      await expect400(
        await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: `sk-label-test-${label.length}-0123456789`, label: bad } }),
        'label',
        'key label',
      );
    });

  test('the dashboard form refuses them too (a raw 0xFF byte in a form arrives as U+FFFD)', async () => {
    const res = await fetch(`${gw.url}/clients`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
      body: new Uint8Array([...new TextEncoder().encode('name=dash'), 0xff, ...new TextEncoder().encode('name')]),
    });
    expect(res.status).toBe(422); // the section again, with the error in it
    expect(await res.text()).toContain('must not contain control');
    expect((await names('/api/clients', 'name')).some((n: string) => n.startsWith('dash'))).toBe(false);
  });
});

describe('a provider key that is not printable ASCII', () => {
  for (const key of ['sk-abc\u0000def0123456789', 'sk-abcdé0123456789', 'sk-ключ0123456789'])
    test(JSON.stringify(key), async () => {
      const pool = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key } });
      expect({ status: pool.status, body: await json(pool) }).toEqual({
        status: 400,
        body: { error: { message: "'key' must be printable ASCII.", type: 'invalid_request_error', param: 'key', code: 'invalid_request' } },
      });
      const own = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: key } });
      expect({ status: own.status, body: await json(own) }).toEqual({
        status: 400,
        body: { error: { message: "'api_key' must be printable ASCII.", type: 'invalid_request_error', param: 'api_key', code: 'invalid_request' } },
      });
    });
});

describe('a provider base_url with characters URL parsing drops', () => {
  // new URL() drops tabs and line breaks, so these were stored and shown as one URL while
  // requests went to another: 'https://api.openai.com\n.example.net/v1' reaches .example.net.
  for (const base_url of ['https://api.openai.com\n.example.net/v1', 'http://127.0.0.1:9/v1\r\nX-Injected: y', 'http://127.0.0.1:9/\tv1', 'http://127.0.0.1:9/v1\u202e'])
    test(JSON.stringify(base_url), async () => {
      const before = (await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).base_url;
      const res = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url } });
      expect({ status: res.status, body: await json(res) }).toEqual({
        status: 400,
        body: { error: { message: 'base_url must not contain control, line-break or bidi characters.', type: 'invalid_request_error', param: 'base_url', code: 'invalid_request' } },
      });
      expect((await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).base_url).toBe(before);
    });

  test('the dashboard form refuses it too', async () => {
    const res = await fetch(`${gw.url}/providers/openai`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ base_url: 'https://api.openai.com\n.example.net/v1' }).toString(),
    });
    expect(await res.text()).toContain('must not contain control');
    expect((await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).base_url).toBe('http://127.0.0.1:9/v1');
  });
});
