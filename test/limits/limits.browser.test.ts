/**
 * The Teams page and the limits on the Clients page in real headless Chromium, in both themes:
 * an admin creates a team, puts a key in it with a budget, the key spends, the bar shows it.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { models } from '../../src/db/schema';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('limits pages in Chromium', () => {
  let url: string;

  const s = useDashboardSuite('limits-password-1', async (env) => {
    url = env.gw.url;
    // $0.001 a token each way: the chat fixture (19 + 9 tokens) costs $0.028.
    env.gw.ctx.db.update(models).set({ inputPrice: 1000, outputPrice: 1000 }).run();
    env.gw.ctx.state.reload();
  });

  test('an admin makes a team, gives a key limits and a budget; its spend shows as a bar', async () => {
    const { env, page } = s;
    await navTo(page, 'Teams', 'teams');
    await page.fill('#team-name', 'research');
    await page.fill('#team-new-budget', '10');
    await page.fill('#team-new-rpm', '120');
    await page.click('button:text-is("Create team")');
    await page.waitForSelector('#teams-table .team-name:text-is("research")');
    expect(await page.textContent('#teams-table')).toContain('120 rpm');

    await navTo(page, 'Clients', 'clients');
    const id = env.gw.clientId;
    await page.click(`#client-${id} button[aria-label="Edit limits"]`);
    // $0.20: the request's worst case (~$0.16: its body a token a byte and max_tokens, at the priority premium) fits.
    await page.fill(`#client-${id}-budget`, '0.2');
    await page.selectOption(`#client-${id}-period`, 'day');
    await page.fill(`#client-${id}-rpm`, '60');
    await page.fill(`#client-${id}-team`, 'research');
    await page.click(`#client-${id} button:text-is("Save limits")`);
    await page.waitForSelector(`#client-${id} .budget-bar`);
    expect(await page.textContent(`#client-${id} .limits-summary`)).toBe('60 rpm · team research');

    const openai = new OpenAI({ apiKey: env.gw.clientKey, baseURL: `${url}/v1`, maxRetries: 0 });
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('60');
    await page.reload();
    await page.waitForSelector(`#client-${id} .budget-bar`);
    expect(await page.textContent(`#client-${id} .budget`)).toContain('of $0.20 today');
    const width = await page.evaluate((sel) => (document.querySelector(sel) as HTMLElement).style.width, `#client-${id} .budget-bar > span`);
    expect(width).toBe('14%');
    await page.click('.nav a:text-is("Teams")');
    await page.waitForSelector('#teams-table .team-name:text-is("research")');
    expect(await page.textContent('#teams-table')).toContain('$0.028 of $10.00 this month');
  });

  test('both themes: the Teams and Clients pages fit a laptop-wide window; screenshots', async () => {
    const { page, watch } = s;
    const problems: string[] = [];
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => localStorage.setItem('gg-theme', t), theme);
      for (const key of ['teams', 'clients']) {
        await page.goto(`${url}/${key}`);
        await page.waitForSelector(`#main [data-page="${key}"]`);
        expect(await page.getAttribute('html', 'data-theme')).toBe(theme);
        const m = await page.evaluate(() => ({
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          tableCut: Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth)),
        }));
        if (m.overflow > 0) problems.push(`${theme} ${key}: page is ${m.overflow}px too wide`);
        if (m.tableCut > 1) problems.push(`${theme} ${key}: a table is cut by ${m.tableCut}px`);
        await screenshot(page, `limits-${theme}-${key}`);
      }
    }
    await page.evaluate(() => localStorage.removeItem('gg-theme'));
    expect(problems).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});
