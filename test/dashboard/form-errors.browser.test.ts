/**
 * Bad input in the dashboard's row editors, in real headless Chromium: the message shows where
 * the admin typed, the editor stays open with what they typed, and nothing fails silently.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { createClient, getClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('form errors in Chromium', () => {
  let url: string;

  const s = useDashboardSuite('form-errors-password-1', async (env) => {
    url = env.gw.url;
  });

  const nav = (label: string, pageKey: string) => navTo(s.page, label, pageKey);

  test("a key's limits refused: the message is in that key's editor, which keeps what was typed", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'limits-typo');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=rpm]`, '7');
    await page.fill(`${row} input[name=expires_at]`, 'next tuesday');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-form .form-errors`);
    // By the field's label on the form, not the API's name for it.
    expect(await page.textContent(`${row} .limits-form .form-errors`)).toBe('Expires (UTC) must be an ISO 8601 timestamp with a zone that exists on the calendar, e.g. 2026-12-31T23:59:59Z, or blank.');
    // Not beside the "New client" form, as if creating a key had failed.
    expect(await page.locator('#clients-section form[hx-post="/clients"] .form-errors').count()).toBe(0);
    expect(await page.isVisible(`${row} .limits-form`)).toBe(true);
    expect(await page.inputValue(`${row} input[name=rpm]`)).toBe('7');
    expect(await page.inputValue(`${row} input[name=expires_at]`)).toBe('next tuesday');
    await screenshot(page, 'form-errors-client-limits');

    // Fixed and saved: the section comes back with the limit and without the message.
    await page.fill(`${row} input[name=expires_at]`, '');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-summary:text-is("7 rpm")`);
    expect(await page.locator('#clients-section .form-errors').count()).toBe(0);
  });

  test("the field a refused save names is marked, has the focus, and its message is under it, not at the editor's top", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'field-marked');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=rpm]`, '9');
    await page.fill(`${row} input[name=expires_at]`, 'next tuesday');
    await page.click(`${row} button:text-is("Save limits")`);
    const expires = `${row} input[name=expires_at]`;
    await page.waitForSelector(`${row} label:has(input[name=expires_at]) .form-errors`);
    // Read once htmx has settled the swap (its transient htmx-added class gone from the message).
    const mark = async () => (await page.waitForFunction(() => !document.querySelector('.htmx-added, .htmx-settling')), page.$eval(expires, (i) => ({
      invalid: i.getAttribute('aria-invalid'),
      focused: document.activeElement === i,
      describedBy: document.getElementById(i.getAttribute('aria-describedby') ?? '')?.textContent ?? null,
      // The message follows the field: directly after it in its label.
      next: i.nextElementSibling?.className ?? null,
    })));
    const first = await mark();
    expect(first).toMatchObject({ invalid: 'true', focused: true, next: 'form-errors' });
    expect(first.describedBy).toContain('Expires (UTC) must be');
    expect(await page.locator(`${row} .form-errors`).count()).toBe(1);
    expect(await page.inputValue(`${row} input[name=rpm]`)).toBe('9');

    // Fixed there, another field refused: the mark and the message move to that one.
    await page.fill(expires, '');
    await page.fill(`${row} input[name=budget_usd]`, '12,50');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} label:has(input[name=budget_usd]) .form-errors`);
    expect(await page.locator(`${row} .form-errors`).count()).toBe(1);
    expect((await mark()).invalid).toBeNull();
    expect(await page.$eval(`${row} input[name=budget_usd]`, (i) => [i.getAttribute('aria-invalid'), document.activeElement === i])).toEqual(['true', true]);
    expect((await getClient(env.gw.ctx, id)).rpm).toBeNull();
  });

  test("a limit typed as '1e3' (a number input takes it): the message names the field, the editor keeps it, nothing is saved", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'exponent-typo');
    await updateClient(env.gw.ctx, id, { rpm: 60 });
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=tpm]`, '1e3');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-form .form-errors`);
    expect(await page.textContent(`${row} .limits-form .form-errors`)).toBe("Tokens / min: '1e3' is not a whole number; type digits only.");
    expect(await page.inputValue(`${row} input[name=tpm]`)).toBe('1e3');
    expect(await page.inputValue(`${row} input[name=rpm]`)).toBe('60');
    expect(await getClient(env.gw.ctx, id)).toMatchObject({ rpm: 60, tpm: null });

    await page.fill(`${row} input[name=tpm]`, '1000');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-summary:text-is("60 rpm · 1,000 tpm")`);
    expect(await getClient(env.gw.ctx, id)).toMatchObject({ rpm: 60, tpm: 1000 });
  });

  test('a limit over the API cap (1,000,000,000) is reported on its input before anything is sent', async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'over-the-cap');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    let posts = 0;
    page.on('request', (r) => void (r.method() === 'POST' && r.url().endsWith(`/clients/${id}/limits`) && posts++));
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=rpm]`, '2000000000');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.name === 'rpm');
    expect(await page.$eval(`${row} input[name=rpm]`, (i) => (i as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(posts).toBe(0);
  });

  test("a key renamed to blanks: the message is in that row's rename form", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'rename-me');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} button:text-is("Rename")`);
    await page.fill(`${row} input[name=name]`, '   ');
    await page.click(`${row} button:text-is("Save")`);
    await page.waitForSelector(`${row} form .form-errors`);
    expect(await page.textContent(`${row} form .form-errors`)).toContain('must not be empty');
    expect(await page.locator('#clients-section form[hx-post="/clients"] .form-errors').count()).toBe(0);
    expect(await page.isVisible(`${row} input[name=name]`)).toBe(true);
  });

  test("a team renamed to another team's name: the message is in that team's editor", async () => {
    const { env, page } = s;
    await createTeam(env.gw.ctx, { name: 'alpha' });
    const beta = await createTeam(env.gw.ctx, { name: 'beta' });
    await nav('Teams', 'teams');
    const row = `#team-${beta.id}`;
    await page.click(`${row} button:text-is("Edit")`);
    await page.fill(`${row} input[name=name]`, 'alpha');
    await page.fill(`${row} input[name=rpm]`, '30');
    await page.click(`${row} button:text-is("Save")`);
    await page.waitForSelector(`${row} .form-errors`);
    expect(await page.textContent(`${row} .form-errors`)).toContain("'alpha' exists already");
    expect(await page.locator('#team-create .form-errors').count()).toBe(0);
    expect(await page.inputValue(`${row} input[name=rpm]`)).toBe('30');
    await screenshot(page, 'form-errors-team');
  });

  test('a new team refused: the message is under the New team form, which keeps everything typed', async () => {
    const { env, page } = s;
    await createTeam(env.gw.ctx, { name: 'taken-team' });
    await nav('Teams', 'teams');
    await page.fill('#team-name', 'taken-team');
    await page.fill('#team-new-models', 'gpt-4o, openai/*');
    await page.fill('#team-new-budget', '12.5');
    await page.selectOption('#team-new-period', 'week');
    await page.fill('#team-new-tpm', '1000');
    await page.click('button:text-is("Create team")');
    await page.waitForSelector('#team-create .form-errors');
    expect(await page.textContent('#team-create .form-errors')).toContain("'taken-team' exists already");
    expect([
      await page.inputValue('#team-name'), await page.inputValue('#team-new-models'), await page.inputValue('#team-new-budget'),
      await page.inputValue('#team-new-period'), await page.inputValue('#team-new-tpm'),
    ]).toEqual(['taken-team', 'gpt-4o, openai/*', '12.5', 'week', '1000']);
    // Renamed and sent again: created, and the message is gone.
    await page.fill('#team-name', 'fresh-team');
    await page.click('button:text-is("Create team")');
    await page.waitForSelector('#teams-table .team-name:text-is("fresh-team")');
    expect(await page.locator('#team-create .form-errors').count()).toBe(0);
    await page.reload();
    expect(await page.textContent('#teams-table tr:has(.team-name:text-is("fresh-team"))')).toContain('1,000 tpm');
  });

  test('a new user, client key, pool key or base URL refused: each form keeps what was typed', async () => {
    const { page } = s;
    await nav('Users', 'users');
    await page.fill('#users-section input[name=username]', 'admin');
    await page.fill('#users-section input[name=password]', 'a-long-enough-password');
    await page.selectOption('#users-section select[name=role]', 'admin');
    await page.click('button:text-is("Create user")');
    await page.waitForSelector('#users-section .form-errors');
    expect(await page.textContent('#users-section .form-errors')).toContain("'admin' is taken");
    expect([await page.inputValue('#users-section input[name=username]'), await page.inputValue('#users-section select[name=role]')]).toEqual(['admin', 'admin']);

    await nav('Clients', 'clients');
    await page.fill('#client-name', '   ');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#clients-section form[hx-post="/clients"] .form-errors');
    expect(await page.textContent('#clients-section form[hx-post="/clients"] .form-errors')).toContain('must not be empty');

    await nav('Providers', 'providers');
    const pool = '#provider-keys-openai';
    await page.click(`${pool} button:text-is("Add key")`);
    await page.fill(`${pool} input[name=key]`, 'sk-x');
    await page.fill(`${pool} input[name=label]`, 'backup');
    await page.fill(`${pool} input[name=weight]`, '3');
    await page.click(`${pool} button:text-is("Add")`);
    await page.waitForSelector(`${pool} .form-errors`);
    expect(await page.textContent(`${pool} .form-errors`)).toContain('too short');
    // The add form is still open, with the label and weight.
    expect(await page.isVisible(`${pool} input[name=label]`)).toBe(true);
    expect([await page.inputValue(`${pool} input[name=label]`), await page.inputValue(`${pool} input[name=weight]`)]).toEqual(['backup', '3']);

    await page.fill('#provider-openai input[name=base_url]', 'ftp://example.test/v1');
    await page.click('#provider-openai button:text-is("Save URL")');
    await page.waitForSelector('#provider-openai-errors .form-errors');
    expect(await page.textContent('#provider-openai-errors')).toContain('http or https');
    expect(await page.inputValue('#provider-openai input[name=base_url]')).toBe('ftp://example.test/v1');
  });

  test("refusals name each field by the label the form shows, never the API's name for it; the API's own words stay", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'labels-in-messages');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=models]`, 'gpt-4o, nosuch/*');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} label:has(input[name=models]) .form-errors`);
    expect(await page.textContent(`${row} .form-errors`)).toBe("'nosuch/*': unknown provider in Allowed models.");

    await nav('Providers', 'providers');
    const pool = '#provider-keys-openai';
    await page.click(`${pool} button:text-is("Add key")`);
    await page.fill(`${pool} input[name=key]`, 'sk-x');
    await page.click(`${pool} button:text-is("Add")`);
    await page.waitForSelector(`${pool} .form-errors`);
    expect(await page.textContent(`${pool} .form-errors`)).toBe('Provider key is too short to be a provider key.');
    await page.fill('#provider-openai input[name=base_url]', 'https://user:pw@example.test/v1');
    await page.click('#provider-openai button:text-is("Save URL")');
    await page.waitForSelector('#provider-openai-errors .form-errors');
    expect(await page.textContent('#provider-openai-errors .form-errors')).toBe('Base URL must not carry credentials; set API key instead.');

    // Every message shown on these pages is free of API field names.
    const shown = await page.locator('.form-errors').allTextContents();
    expect(shown.filter((m) => /\b(expires_at|budget_usd|budget_period|max_parallel|team_id|base_url|api_key)\b|'(models|rpm|tpm|key|weight)'|\bnull\b/.test(m))).toEqual([]);

    // The JSON API keeps its own words (its callers send those names).
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'form-errors-password-1' }) });
    const { token } = await login.json() as { token: string };
    const refused = await fetch(`${url}/api/clients/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ expires_at: 'next tuesday' }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("'expires_at': must be an ISO 8601 timestamp");
  });

  /** The gpt-4o-mini row's prices after `value` was typed into `field` and saved: the row's answer. */
  async function saveRowPrice(field: string, value: string) {
    const { env, page } = s;
    await nav('Models', 'models');
    const row = '#model-gpt-4o-mini';
    await page.fill(`${row} input[name=${field}]`, value);
    await page.click(`${row} button:text-is("Save")`);
    await page.waitForSelector(`${row} .field-error`);
    return {
      message: await page.innerText(`${row} .field-error`),
      typed: await page.inputValue(`${row} input[name=${field}]`),
      invalid: await page.getAttribute(`${row} input[name=${field}]`, 'aria-invalid'),
      // As text fields (a decimal comma must reach the server), prices are checked there.
      saved: env.gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices,
    };
  }

  test('a negative model price is reported on its input, not dropped silently', async () => {
    const { env } = s;
    const before = env.gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices;
    expect(await saveRowPrice('input_price', '-3')).toEqual({ message: 'input price must be a number of dollars from 0 to 1,000,000.', typed: '-3', invalid: 'true', saved: before });
  });

  test('a model price over the API cap (1,000,000) is reported on its input too', async () => {
    expect(await saveRowPrice('output_price', '2000000')).toMatchObject({ message: expect.stringContaining('1,000,000'), typed: '2000000', invalid: 'true' });
  });

  test('the logs can be filtered to 403s (a model outside a key allow-list)', async () => {
    const { env, page } = s;
    const { id, key } = await createClient(env.gw.ctx, 'allow-listed');
    await updateClient(env.gw.ctx, id, { models: ['gpt-4o'] });
    const refused = await new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
    expect(refused.status).toBe(403);
    // The row is written by the log worker: the page is opened once it is stored (else, under load, the list may still be empty).
    await storedLogRow(env, refused.headers.get('x-request-id'));
    await nav('Logs', 'logs');
    await page.waitForSelector('#logs-table');
    await page.selectOption('select[name=status]', '403');
    await page.waitForURL(/status=403/);
    await page.waitForSelector('#logs-table tbody tr');
    expect(await page.locator('#logs-table tbody tr').count()).toBe(1);
    expect(await page.textContent('#logs-table tbody')).toContain('allow-listed');
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    // The refused saves answer 422 on purpose.
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b422\b/.test(p))).toEqual([]);
  });
});
