/**
 * The session's CSRF token as a hidden form field, in real headless Chromium with JavaScript off:
 * the password change and sign-out forms work without htmx's x-csrf-token header, while a form
 * posted from another origin is refused: without the token (403 csrf_failed), and with it (403,
 * its Origin not the gateway's). The session cookie is SameSite=Strict, so the attacker's page is
 * served from the same host on another port (same site, another origin): the cookie goes along
 * and the CSRF check itself is what refuses.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

const FIRST_PW = 'csrf-field-password-1';
const SECOND_PW = 'csrf-field-password-2';
const FORGED_PW = 'csrf-field-forged-pw-3';

/** Clicks a submit button and waits for the document it loads: the request sent, and its answer. */
async function submit(page: Page, button: string): Promise<{ method: string; path: string; status: number; body: string; location?: string }> {
  const [response] = await Promise.all([
    page.waitForEvent('response', (r) => r.request().isNavigationRequest() && r.request().resourceType() === 'document'),
    page.click(button),
  ]);
  const req = response.request();
  return { method: req.method(), path: new URL(req.url()).pathname, status: response.status(), body: req.postData() ?? '', location: response.headers().location };
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('dashboard forms with JavaScript off carry the CSRF token', () => {
  const s = useDashboardSuite(FIRST_PW);

  /** The status of a sign-in through the JSON API: 200 with the right password. */
  const apiLogin = async (password: string) =>
    (await fetch(`${s.env.gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).status;

  async function signedInWithoutJs(password: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await s.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${s.env.gw.url}/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', password);
    await submit(page, 'button:text-is("Sign in")');
    await page.waitForSelector('[data-page="usage"]');
    return { context, page };
  }

  test('a password change and a sign-out work with JavaScript off; a refused change shows the page with its error', async () => {
    const { context, page } = await signedInWithoutJs(FIRST_PW);
    await page.goto(`${s.env.gw.url}/change-password`);

    // Refused (new passwords differ): the page again, the error under the form, not a bare fragment.
    await page.fill('input[name=current_password]', FIRST_PW);
    await page.fill('input[name=new_password]', SECOND_PW);
    await page.fill('input[name=confirm_password]', `${SECOND_PW}x`);
    let sent = await submit(page, 'button:text-is("Change password")');
    expect({ method: sent.method, path: sent.path, status: sent.status }).toEqual({ method: 'POST', path: '/change-password', status: 422 });
    expect(sent.body).toContain('_csrf=');
    expect(await page.textContent('#change-password-errors .form-errors')).toContain('The two new passwords differ.');
    expect(await page.locator('button:text-is("Change password")').count()).toBe(1);

    await page.fill('input[name=current_password]', FIRST_PW);
    await page.fill('input[name=new_password]', SECOND_PW);
    await page.fill('input[name=confirm_password]', SECOND_PW);
    sent = await submit(page, 'button:text-is("Change password")');
    // Done: a 303 to the dashboard, which loads.
    expect({ path: sent.path, status: sent.status, location: sent.location }).toEqual({ path: '/change-password', status: 303, location: '/' });
    await page.waitForSelector('[data-page="usage"]');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await apiLogin(SECOND_PW)).toBe(200);
    expect(await apiLogin(FIRST_PW)).toBe(401);

    // Sign-out from the sidebar, also a form: the session ends.
    sent = await submit(page, 'button:text-is("Log out")');
    expect({ path: sent.path, status: sent.status, location: sent.location }).toEqual({ path: '/logout', status: 303, location: '/login' });
    await page.waitForSelector('button:text-is("Sign in")');
    // `/` signed out answers the sign-in form in place.
    await page.goto(`${s.env.gw.url}/`);
    expect(await page.locator('button:text-is("Sign in")').count()).toBe(1);
    expect(await page.locator('[data-page="usage"]').count()).toBe(0);
    await context.close();
  });

  describe('a form posted from another origin', () => {
    let attackerPage = '';
    const attacker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(attackerPage, { headers: { 'content-type': 'text/html' } }) });
    afterAll(() => attacker.stop(true));

    /** The attacker's page: a form to the gateway's password change, with `extra` hidden fields. */
    const forgedForm = (extra: string) =>
      `<!doctype html><form method="post" action="${s.env.gw.url}/change-password">` +
      `<input type="hidden" name="current_password" value="${SECOND_PW}">` +
      `<input type="hidden" name="new_password" value="${FORGED_PW}"><input type="hidden" name="confirm_password" value="${FORGED_PW}">` +
      `${extra}<button type="submit">Win a prize</button></form>`;

    test('is refused without the token, and with it (its Origin is not the gateway), the password unchanged', async () => {
      const { context, page } = await signedInWithoutJs(SECOND_PW);
      await page.goto(`${s.env.gw.url}/change-password`);
      const token = await page.getAttribute('input[name=_csrf]', 'value');
      expect(token?.length).toBeGreaterThan(10);

      attackerPage = forgedForm('');
      await page.goto(`http://127.0.0.1:${attacker.port}/`);
      let sent = await submit(page, 'button:text-is("Win a prize")');
      expect({ path: sent.path, status: sent.status }).toEqual({ path: '/change-password', status: 403 });
      expect(await page.textContent('body')).toContain('out of date for your session');

      // Even a leaked token does not make another origin's form pass.
      attackerPage = forgedForm(`<input type="hidden" name="_csrf" value="${token}">`);
      await page.goto(`http://127.0.0.1:${attacker.port}/`);
      sent = await submit(page, 'button:text-is("Win a prize")');
      expect({ path: sent.path, status: sent.status }).toEqual({ path: '/change-password', status: 403 });
      expect(await page.textContent('body')).toContain('Cross-site form submission is refused.');

      expect(await apiLogin(FORGED_PW)).toBe(401);
      expect(await apiLogin(SECOND_PW)).toBe(200);
      // The victim's session still works: the refusals changed nothing.
      await page.goto(`${s.env.gw.url}/`);
      await page.waitForSelector('[data-page="usage"]');
      await context.close();
    });
  });
});
