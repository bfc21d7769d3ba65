/**
 * The Logs page's addresses opened as addresses, in real headless Chromium: a row's own address
 * (`/logs/{id}`, from a bookmark, a link or a reload) shows the dashboard with that row's detail,
 * and a bad time in the query string is dropped from the field with the page's message, without
 * the browser complaining about the field's value.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { requestLogs } from '../../src/db/schema';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { refusalAt } from '../browser-helpers/refusal-placement';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Logs page addresses in Chromium', () => {
  const warnings: string[] = [];
  let rowId = 0;
  let requestId = '';

  const s = useDashboardSuite('logs-address-password-1', async (env) => {
    const { data, response } = await env.gw.openai().chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.choices.length).toBe(1);
    requestId = response.headers.get('x-request-id')!;
    // The real log writer: wait for this request's row by its id.
    for (let i = 0; i < 200 && !rowId; i++) {
      rowId = env.gw.ctx.db.select().from(requestLogs).where(eq(requestLogs.requestId, requestId)).get()?.id ?? 0;
      if (!rowId) await Bun.sleep(25);
    }
    expect(rowId).toBeGreaterThan(0);
  });

  beforeAll(async () => {
    const { page } = s;
    page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
  });

  test("a row's address opened directly: the dashboard, with that row's detail", async () => {
    const { env, page } = s;
    const answer = await page.goto(`${env.gw.url}/logs/${rowId}`);
    expect(answer!.status()).toBe(200);
    await page.waitForSelector('#main [data-page="logs"]');
    expect(await page.locator('.nav a.active').textContent()).toContain('Logs');
    expect(await page.textContent('#log-detail #log-detail-body')).toContain(requestId);
    expect(await page.locator('link[rel=stylesheet]').count()).toBeGreaterThan(0);
    // Clicking a row still fills the panel with just its detail (HTMX gets the fragment).
    await page.click(`#log-${rowId}`);
    await page.waitForSelector('#log-detail > #log-detail-body');
    expect(await page.locator('#log-detail [data-page]').count()).toBe(0);
    expect(await page.locator('#main [data-page="logs"]').count()).toBe(1);
  });

  test('a row no longer in the log, opened directly: the Logs page says so (404)', async () => {
    const { env, page } = s;
    const answer = await page.goto(`${env.gw.url}/logs/99999999`);
    expect(answer!.status()).toBe(404);
    await page.waitForSelector('#main [data-page="logs"]');
    expect(await page.textContent('#log-detail')).toContain('no longer in the log');
  });

  test("the row's id written another way (hex, exponent, leading zero) names no row, as on /api", async () => {
    const { env, page } = s;
    for (const id of [`0x${rowId.toString(16)}`, `${rowId}e0`, `0${rowId}`]) {
      const answer = await page.goto(`${env.gw.url}/logs/${id}`);
      expect([id, answer!.status()]).toEqual([id, 404]);
    }
  });

  test('a bad from= is dropped from the field, with the message and no warning', async () => {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/logs?from=garbage`);
    await page.waitForSelector('#main [data-page="logs"] .form-errors');
    // Named by the filter's label, not /api/logs' param.
    expect(await page.textContent('.form-errors')).toStartWith("From (UTC) must be epoch milliseconds, an ISO 8601 date");
    expect(await page.inputValue('input[name=from]')).toBe('');
    // Chromium warns when a page puts a value a datetime-local field cannot hold into it.
    expect(warnings.filter((w) => /does not conform|specified value/i.test(w))).toEqual([]);
    await page.goto(`${env.gw.url}/logs?from=2024-01-02T00:00&to=2024-01-01T00:00`);
    await page.waitForSelector('#main [data-page="logs"] .form-errors');
    expect(await page.textContent('.form-errors')).toBe('From (UTC) must be earlier than To (UTC).');
    // A time in another accepted spelling is shown as the UTC time it means.
    await page.goto(`${env.gw.url}/logs?from=2024-01-02T03:04:05Z`);
    await page.waitForSelector('#main [data-page="logs"]');
    expect(await page.inputValue('input[name=from]')).toBe('2024-01-02T03:04:05');
    expect(warnings).toEqual([]);
  });

  test('a refused filter is shown under its field, which is marked and described by it', async () => {
    const { env, page } = s;
    const placement = (field: string) => refusalAt(page, '#main form.filters', field);
    await page.goto(`${env.gw.url}/logs?from=2024-01-02T00:00&to=2024-01-01T00:00`);
    await page.waitForSelector('#main [data-page="logs"] .form-errors');
    expect(await placement('from')).toMatchObject({ invalid: 'true', message: 'From (UTC) must be earlier than To (UTC).', underField: true });
    // Picked from the filter, as a person would: the message moves to the Client field.
    await page.fill('#logs-from', '');
    await page.fill('#logs-client', 'nobody-by-that-name');
    await page.press('#logs-client', 'Enter');
    await page.waitForURL(/client=nobody/);
    expect(await placement('client')).toMatchObject({ invalid: 'true', message: "No client key is named 'nobody-by-that-name'.", underField: true });
    expect(await page.locator('#main .form-errors').count()).toBe(1);
    expect(await page.locator('#main [aria-invalid]').count()).toBe(1);
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    // The gone row answers 404 on purpose.
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b404\b/.test(p))).toEqual([]);
  });
});
