/**
 * A provider's base URL is shown to every dashboard user (viewers included) and stored in clear:
 * one holding a query (`?key=...`, the Gemini way of passing a key) or a fragment is refused by
 * the admin API, as the environment setting already is, and the refusal does not quote it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const KEY = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW';
let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  gw = await startGateway();
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(() => gw.close());

for (const base of [`https://generativelanguage.googleapis.com/v1beta?key=${KEY}`, `https://example.test/v1#${KEY}`]) {
  test(`PATCH base_url ${base.includes('?') ? 'with a query' : 'with a fragment'}: 400 naming base_url, nothing stored`, async () => {
    const res = await api(gw, 'PATCH', '/api/providers/gemini', { as: admin, body: { base_url: base } });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text).error.param).toBe('base_url');
    expect(text).not.toContain(KEY);
    const listed = await (await api(gw, 'GET', '/api/providers', { as: admin })).text();
    expect(listed).not.toContain(KEY);
  });
}

test('a plain base URL is still taken', async () => {
  const res = await api(gw, 'PATCH', '/api/providers/gemini', { as: admin, body: { base_url: 'https://generativelanguage.googleapis.com/' } });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).base_url).toBe('https://generativelanguage.googleapis.com');
});
