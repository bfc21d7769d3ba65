/**
 * Passwords and keys never travel in an address: every dashboard form that posts says
 * method="post" and its action (so a submit before htmx runs, or with JavaScript off, is a POST),
 * and a dashboard address that carries one anyway is refused, 400 `secret_in_url`, without using,
 * echoing or logging it. The no-JS submits themselves: secrets-no-js.browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import { createUser, listUsers } from '../../src/admin/users-service';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let viewerId: number;
const ADMIN_PW = 'test-admin-password';
const SECRET = 'sk-never-in-an-address-7731';

async function signIn(username: string, password: string): Promise<string> {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  expect(r.status).toBe(303);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

beforeAll(async () => {
  gw = await startGateway();
  viewerId = (await createUser(gw.ctx.db, 'viewer1', 'viewer-password-1', 'viewer', false)).id;
});
afterAll(() => gw.close());

describe('secrets stay out of addresses', () => {
  test('every form that posts has method="post" and an action equal to its hx-post', async () => {
    const cookie = await signIn('admin', ADMIN_PW);
    const pages = ['/login', '/change-password', '/', '/clients', '/teams', '/providers', '/models', '/groups', '/users'];
    let forms = 0;
    for (const path of pages) {
      const html = await (await fetch(`${gw.url}${path}`, { headers: path === '/login' ? {} : { cookie } })).text();
      for (const [tag] of html.matchAll(/<form\b[^>]*>/g)) {
        const post = /hx-post="([^"]*)"/.exec(tag)?.[1];
        if (post === undefined) {
          // A filter form: GETs are its purpose, and it has no secret field to carry.
          expect({ path, tag, get: /hx-get=/.test(tag) }).toEqual({ path, tag, get: true });
          continue;
        }
        forms++;
        expect({ path, method: /\bmethod="([^"]*)"/.exec(tag)?.[1], action: /\baction="([^"]*)"/.exec(tag)?.[1] }).toEqual({ path, method: 'post', action: post });
      }
    }
    // Sign-in, password change, sign-out, user create/reset/role, client create/rename/limits,
    // team create, provider settings and key add, model rows... all were looked at.
    expect(forms).toBeGreaterThan(20);
  });

  test('a GET whose address carries a password or key is refused, echoes nothing and is logged nowhere', async () => {
    const cookie = await signIn('admin', ADMIN_PW);
    const printed: string[] = [];
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((m) =>
      spyOn(console, m).mockImplementation((...a: unknown[]) => void printed.push(a.map(String).join(' '))));
    const rowsBefore = gw.logs.length;
    try {
      const addresses = [
        `/login?username=admin&password=${SECRET}`,
        `/change-password?current_password=${SECRET}&new_password=${SECRET}&confirm_password=${SECRET}`,
        `/users?username=someone&password=${SECRET}&role=viewer`,
        `/users/${viewerId}/password?password=${SECRET}`,
        `/providers/openai/keys?key=${SECRET}&label=x&weight=1`,
        `/providers/openai?api_key=${SECRET}`,
      ];
      for (const address of addresses) {
        for (const accept of ['text/html', 'application/json']) {
          const r = await fetch(`${gw.url}${address}`, { headers: { cookie, accept }, redirect: 'manual' });
          const body = await r.text();
          expect({ address, accept, status: r.status }).toEqual({ address, accept, status: 400 });
          expect(body).toContain(accept === 'text/html' ? 'A password or key was sent in the page address' : '"code":"secret_in_url"');
          expect(body).not.toContain(SECRET);
          expect(r.headers.get('cache-control')).toBe('no-store');
          expect(r.headers.get('referrer-policy')).toBe('no-referrer');
        }
      }
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(printed.filter((p) => p.includes(SECRET))).toEqual([]);
    expect(gw.logs.slice(rowsBefore).filter((row) => JSON.stringify(row).includes(SECRET))).toEqual([]);
    // Nothing was used: the viewer still signs in with the old password, no user was made.
    await signIn('viewer1', 'viewer-password-1');
    expect((await listUsers(gw.ctx.db)).map((u) => u.username).sort()).toEqual(['admin', 'viewer1']);
  });

  test('other queries, and the API and /v1 paths, are not affected', async () => {
    const cookie = await signIn('admin', ADMIN_PW);
    expect((await fetch(`${gw.url}/logs?model=gpt-4o`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${gw.url}/models?provider=openai`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${gw.url}/health?key=x`)).status).toBe(200);
  });
});
