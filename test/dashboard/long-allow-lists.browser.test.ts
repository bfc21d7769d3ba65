/**
 * A model allow-list as long as the admin API takes, in real headless Chromium: a key's and a
 * team's list made through /api (well past the 5,000 characters the field used to stop at) shows
 * whole in its editor, saves unchanged, and can still be added to by typing; a list past the
 * API's bound (500 names) is refused in words under the form, nothing changed.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MODELS_FIELD_MAX_CHARS, MODELS_MAX_ENTRIES } from '../../src/admin/limit-fields';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const ADMIN_PW = 'long-allow-lists-password-1';
/** 400 names of 29-31 characters: about 13,000 characters as the field shows them. */
const NAMES = Array.from({ length: 400 }, (_, i) => `openai/fine-tuned-variant-${String(i).padStart(4, '0')}`);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('long model allow-lists in the dashboard', () => {
  const s = useDashboardSuite(ADMIN_PW);

  /** An /api call with a bearer token of the admin, over real HTTP. */
  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const login = await fetch(`${s.env.gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PW }) });
    const { token } = (await login.json()) as { token: string };
    const r = await fetch(`${s.env.gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(r.status).toBeLessThan(300);
    return r.json();
  }

  test('the field takes the longest list the API does', () => {
    expect(MODELS_FIELD_MAX_CHARS).toBe(MODELS_MAX_ENTRIES * 202 - 2);
    expect(NAMES.join(', ').length).toBeGreaterThan(12_000);
  });

  test("a key's long list made through the API shows whole, saves unchanged, and takes one more typed name", async () => {
    const { page } = s;
    const { id } = await api('POST', '/api/clients', { name: 'long-allow-list', models: NAMES, rpm: 60 });
    await navTo(page, 'Clients', 'clients');
    const row = `#client-${id}`;
    const field = `${row} input[name=models]`;
    await page.click(`${row} .limits-summary`);
    await page.waitForSelector(field, { state: 'visible' });
    expect(await page.inputValue(field)).toBe(NAMES.join(', '));

    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-summary:text("60 rpm")`);
    await htmxSettled(page);
    expect((await api('GET', `/api/clients/${id}`)).models).toEqual(NAMES);

    // Typed at the end, as a person adds a name: the browser lets the field grow past 5,000.
    await page.click(`${row} .limits-summary`);
    await page.waitForSelector(field, { state: 'visible' });
    await page.focus(field);
    await page.keyboard.press('End');
    await page.keyboard.type(', gpt-4o');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-summary:text("gpt-4o")`);
    await htmxSettled(page);
    expect((await api('GET', `/api/clients/${id}`)).models).toEqual([...NAMES, 'gpt-4o']);
  });

  test("a team's long list made through the API shows whole and saves unchanged", async () => {
    const { page } = s;
    const { id } = await api('POST', '/api/teams', { name: 'long-list-team', models: NAMES, rpm: 90 });
    await navTo(page, 'Teams', 'teams');
    const form = `#team-${id} form[data-editor="team"]`;
    await page.click(`#team-${id} [data-opens=team]`);
    await page.waitForSelector(`${form} input[name=models]`, { state: 'visible' });
    expect(await page.inputValue(`${form} input[name=models]`)).toBe(NAMES.join(', '));
    await page.fill(`${form} input[name=rpm]`, '91');
    await page.click(`${form} button:text-is("Save")`);
    await page.waitForSelector(`#team-${id} .limits-summary:text("91 rpm")`);
    expect((await api('GET', `/api/teams/${id}`)).models).toEqual(NAMES);
  });

  test('more names than the API takes: refused in words under the form, the list unchanged', async () => {
    const { page } = s;
    const { id } = await api('POST', '/api/clients', { name: 'too-long-list', models: ['gpt-4o'] });
    await navTo(page, 'Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    const many = Array.from({ length: MODELS_MAX_ENTRIES + 1 }, (_, i) => `m${i}`).join(', ');
    await page.fill(`${row} input[name=models]`, many);
    await page.click(`${row} button:text-is("Save limits")`);
    // Under the field it is about (web/swap-focus.js moves it there), in the form's words.
    const refusal = `${row} ul.form-errors[data-param=models]`;
    await page.waitForSelector(refusal);
    expect(await page.textContent(refusal)).toBe('Allowed models must be an array of model names (at most 500), or blank for every model.');
    expect(await page.getAttribute(`${row} input[name=models]`, 'aria-invalid')).toBe('true');
    // What was typed stays, for the admin to shorten.
    expect(await page.inputValue(`${row} input[name=models]`)).toBe(many);
    expect((await api('GET', `/api/clients/${id}`)).models).toEqual(['gpt-4o']);
  });
});
