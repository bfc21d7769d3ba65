/**
 * Forms that carry a password or key, sent by a browser with JavaScript off or before htmx has
 * loaded, in real headless Chromium: each submit is a POST (signed in, the password form checked,
 * or refused 403 for want of the CSRF header) and no password or key appears in any address the browser asked for.
 * The server side (every form's method and action, a GET with secrets refused): secrets-in-url.test.ts.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { createUser } from '../../src/admin/users-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

const ADMIN_PW = 'secrets-no-js-password-1';
const SECRET = 'typed-secret-never-in-a-url-4417';

/** Every request of a context, and the form submits among them (what the browser sent). */
function recordRequests(context: BrowserContext): Request[] {
  const seen: Request[] = [];
  context.on('request', (r) => void seen.push(r));
  return seen;
}

/** Clicks a submit button and waits for the navigation it starts; the request and its status. */
async function submit(page: Page, button: string): Promise<{ method: string; url: string; status: number; body: string }> {
  const [response] = await Promise.all([page.waitForEvent('response', (r) => r.request().isNavigationRequest() && r.request().resourceType() === 'document'), page.click(button)]);
  const req = response.request();
  return { method: req.method(), url: req.url(), status: response.status(), body: req.postData() ?? '' };
}

function expectNoSecretInUrls(seen: Request[]): void {
  expect(seen.map((r) => r.url()).filter((u) => u.includes(SECRET) || u.includes(ADMIN_PW) || /password=|api_key=|[?&]key=/.test(u))).toEqual([]);
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('secret-carrying forms without JavaScript in Chromium', () => {
  const s = useDashboardSuite(ADMIN_PW, async (env) => {
    await createUser(env.gw.ctx.db, 'viewer1', 'viewer-password-1', 'viewer', false);
  });

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${s.env.gw.url}/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PW);
    const sent = await submit(page, 'button:text-is("Sign in")');
    expect({ method: sent.method, path: new URL(sent.url).pathname }).toEqual({ method: 'POST', path: '/login' });
    expect(sent.body).toContain('password=');
    await page.waitForSelector('[data-page="usage"]');
    return page;
  }

  test('JavaScript off: sign-in and password change are POSTs that work, user create and client create POSTs refused 403', async () => {
    const context = await s.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
    const seen = recordRequests(context);
    const page = await signIn(context);

    await page.goto(`${s.env.gw.url}/change-password`);
    for (const name of ['current_password', 'new_password', 'confirm_password']) await page.fill(`input[name=${name}]`, SECRET);
    let sent = await submit(page, 'button:text-is("Change password")');
    // The form carries the CSRF token (csrf-form-field.browser.test.ts): refused only as the current password is wrong.
    expect({ method: sent.method, path: new URL(sent.url).pathname, status: sent.status }).toEqual({ method: 'POST', path: '/change-password', status: 422 });
    expect(sent.body).toContain(`new_password=${SECRET}`);
    expect(await page.textContent('#change-password-errors')).toContain('The current password is wrong.');

    await page.goto(`${s.env.gw.url}/users`);
    await page.fill('input[name=username]', 'made-without-js');
    await page.fill('#users-section input[name=password]:visible', SECRET);
    sent = await submit(page, 'button:text-is("Create user")');
    expect({ method: sent.method, path: new URL(sent.url).pathname, status: sent.status }).toEqual({ method: 'POST', path: '/users', status: 403 });
    expect(await page.textContent('[data-page="error"]')).toContain('Not allowed');

    await page.goto(`${s.env.gw.url}/clients`);
    await page.fill('#clients-section input[name=name]', 'made-without-js');
    sent = await submit(page, '#clients-section button[type=submit]:visible');
    expect({ method: sent.method, path: new URL(sent.url).pathname, status: sent.status }).toEqual({ method: 'POST', path: '/clients', status: 403 });

    expectNoSecretInUrls(seen);
    await context.close();
  });

  test('before htmx has loaded: a user\u2019s new password and a provider key are POSTs, never in the address', async () => {
    const context = await s.browser.newContext({ viewport: { width: 1200, height: 900 } });
    // Alpine opens the editors; htmx never arrives (a slow or blocked script).
    await context.route('**/assets/htmx.min.js*', (route) => route.abort());
    const seen = recordRequests(context);
    const page = await signIn(context);

    await page.goto(`${s.env.gw.url}/users`);
    const row = page.locator('#users-table tr', { hasText: 'viewer1' });
    await row.locator('button:text-is("Reset password")').click();
    await row.locator('input[name=password]').fill(SECRET);
    let sent = await submit(page, '#users-table button:text-is("Set")');
    expect({ method: sent.method, path: new URL(sent.url).pathname, status: sent.status }).toMatchObject({ method: 'POST', status: 403 });
    expect(new URL(sent.url).pathname).toMatch(/^\/users\/\d+\/password$/);

    await page.goto(`${s.env.gw.url}/providers`);
    const pool = page.locator('#provider-keys-openai');
    await pool.locator('button:text-is("Add key")').click();
    await pool.locator('input[name=key]').fill(SECRET);
    sent = await submit(page, '#provider-keys-openai button:text-is("Add")');
    expect({ method: sent.method, path: new URL(sent.url).pathname, status: sent.status }).toEqual({ method: 'POST', path: '/providers/openai/keys', status: 403 });
    expect(sent.body).toContain(`key=${SECRET}`);

    await page.goto(`${s.env.gw.url}/providers`);
    const apiKey = page.locator('input[name=api_key]').first();
    await apiKey.fill(SECRET);
    [sent] = await Promise.all([
      page.waitForEvent('response', (r) => r.request().isNavigationRequest()).then((r) => ({ method: r.request().method(), url: r.url(), status: r.status(), body: '' })),
      apiKey.press('Enter'),
    ]);
    expect({ method: sent.method, status: sent.status }).toEqual({ method: 'POST', status: 403 });
    expect(new URL(sent.url).pathname).toMatch(/^\/providers\/[a-z]+$/);

    expectNoSecretInUrls(seen);
    await context.close();
  });
});
