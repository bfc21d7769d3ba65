/**
 * Names written right to left (Arabic, Hebrew), in real headless Chromium. A long one cut to its
 * table cell showed its end, not its start: laid out left to right, the name's first words were
 * past the cell's right edge, so "خدمة الفوترة … (الإنتاج)" read "(الإنتاج)…" and every key of a
 * service named so read the same. And the Logs client filter's `name (#id)` read "(5#) name".
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { createClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

// "The accounting department's main billing service (production)": wider than any name cell.
const KEY_NAME = 'خدمة الفوترة الرئيسية لقسم المحاسبة والمالية (الإنتاج)';
const TEAM_NAME = 'فريق المحاسبة والمالية في المقر الرئيسي للشركة (الإنتاج)';
const PAGES = [['/', 'usage'], ['/monitor', 'monitor'], ['/logs', 'logs'], ['/clients', 'clients'], ['/teams', 'teams']] as const;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('right-to-left names in Chromium', () => {
  let keyId = 0;
  const s = useDashboardSuite('rtl-names-password-1', async (env) => {
    const team = await createTeam(env.gw.ctx, { name: TEAM_NAME });
    const key = await createClient(env.gw.ctx, KEY_NAME);
    keyId = key.id;
    await updateClient(env.gw.ctx, key.id, { team_id: team.id });
    await env.gw.ctx.state.refresh();
    await new OpenAI({ apiKey: key.key, baseURL: `${env.gw.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  });

  /** Each cut name shown with this full name (its tooltip; closed editors left out): is its first letter inside its box? */
  function firstLetterShown(name: string): Promise<boolean[]> {
    return s.page.evaluate((name) => [...document.querySelectorAll<HTMLElement>('#main .clip')]
      .filter((el) => el.title === name && el.firstChild && el.checkVisibility())
      .map((el) => {
        const range = document.createRange();
        range.setStart(el.firstChild!, 0);
        range.setEnd(el.firstChild!, 1);
        const letter = range.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return letter.width > 0 && letter.left >= box.left - 1 && letter.right <= box.right + 1;
      }), name);
  }

  test('a long name cut to its cell shows its start, on every page that lists it', async () => {
    const { env, page } = s;
    const seen: string[] = [];
    for (const [path, key] of PAGES) {
      await page.goto(`${env.gw.url}${path}`);
      await page.waitForSelector(`#main [data-page="${key}"]`);
      if (key === 'monitor') await page.waitForSelector('#monitor-table tbody tr.monitor-row');
      for (const name of [KEY_NAME, TEAM_NAME]) {
        const shown = await firstLetterShown(name);
        if (shown.length) seen.push(`${key} ${name === KEY_NAME ? 'key' : 'team'}: ${shown.every(Boolean) ? 'start shown' : 'start cut off'}`);
      }
    }
    await screenshot(page, 'rtl-names-teams');
    expect(seen).toEqual([
      'usage key: start shown', 'monitor key: start shown', 'logs key: start shown',
      'clients key: start shown', 'teams key: start shown', 'teams team: start shown',
    ]);
  });

  test("the Logs client filter holding a chosen key's `name (#id)` reads right to left", async () => {
    const { env, page } = s;
    const value = `${KEY_NAME} (#${keyId})`;
    await page.goto(`${env.gw.url}/logs?client=${encodeURIComponent(value)}`);
    await page.waitForSelector('#main [data-page="logs"]');
    await htmxSettled(page);
    expect(await page.inputValue('#logs-client')).toBe(value);
    expect(await page.$eval('#logs-client', (el) => el.matches(':dir(rtl)'))).toBe(true);
    // A name written left to right stays so.
    await page.fill('#logs-client', 'billing (#3)');
    expect(await page.$eval('#logs-client', (el) => el.matches(':dir(ltr)'))).toBe(true);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.watch.dialogs).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
