/**
 * The dashboard's Clients page shows 100 keys a page, newest first, with "Older" / "Newest" links
 * (`?before_id=`, as the Logs page pages), instead of every key at once; a change made on a later
 * page answers with that page again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let session: { cookie: string; csrf: string };
const ids: number[] = [];

async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  expect(r.status).toBe(303);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

beforeAll(async () => {
  gw = await startGateway();
  ids.push(gw.clientId);
  for (let i = 0; i < 101; i++) ids.push(gw.addClient(`paged-${String(i).padStart(3, '0')}`).id);
  ids.reverse(); // newest first, as listed (same created_at: the higher id first)
  session = await signIn('admin', 'test-admin-password');
});
afterAll(() => gw.close());

const rowIds = (html: string) => [...html.matchAll(/<tbody id="client-(\d+)"/g)].map((m) => Number(m[1]));

describe('Clients page paging', () => {
  test('100 keys a page, newest first; "Older" continues from the last one, the last page links back to the newest', async () => {
    const first = await (await fetch(`${gw.url}/clients`, { headers: { cookie: session.cookie } })).text();
    expect(rowIds(first)).toEqual(ids.slice(0, 100));
    const older = /id="clients-older"[^>]*href="([^"]+)"/.exec(first)?.[1];
    expect(older).toBe(`/clients?before_id=${ids[99]}`);
    expect(first).not.toContain('id="clients-newest"');

    const second = await (await fetch(`${gw.url}${older}`, { headers: { cookie: session.cookie } })).text();
    expect(rowIds(second)).toEqual(ids.slice(100));
    expect(second).not.toContain('id="clients-older"');
    expect(/id="clients-newest"[^>]*href="([^"]+)"/.exec(second)?.[1]).toBe('/clients');
  });

  test('a change made on a later page answers with that page', async () => {
    const page2 = `${gw.url}/clients?before_id=${ids[99]}`;
    const r = await fetch(`${gw.url}/clients/${ids[101]}/revoke`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'hx-request': 'true', 'hx-current-url': page2 },
    });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(rowIds(html)).toEqual(ids.slice(100));
    expect(html).toContain('id="clients-newest"');
  });

  test('a bad before_id shows the first page', async () => {
    const html = await (await fetch(`${gw.url}/clients?before_id=x1`, { headers: { cookie: session.cookie } })).text();
    expect(rowIds(html)).toEqual(ids.slice(0, 100));
  });
});
