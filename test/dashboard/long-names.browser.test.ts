/**
 * Names as people type them, in real headless Chromium: markup and quotes stay text, and a
 * 100-character name without a space neither hides a table's buttons on a laptop nor makes the
 * page scroll sideways on a phone. At phone width a log row's detail comes into sight when opened.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { eq } from 'drizzle-orm';
import { createClient, updateClient } from '../../src/admin/clients-service';
import { clients } from '../../src/db/schema';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { createTeam } from '../../src/admin/teams-service';
import { createUser } from '../../src/admin/users-service';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { markStale } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const LONG = `${'N'.repeat(97)}end`;
// With an entity: attribute values (titles, inputs, the monitor's JSON seed) must not decode it.
const HOSTILE = `<script>alert("x")</script>'"&amp;`;
const PAGES = [['/', 'usage'], ['/monitor', 'monitor'], ['/logs', 'logs'], ['/clients', 'clients'], ['/teams', 'teams'], ['/providers', 'providers'], ['/users', 'users']] as const;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('long and hostile names in Chromium', () => {
  const s = useDashboardSuite('long-names-password-1', async (env) => {
    const ctx = env.gw.ctx;
    const team = await createTeam(ctx, { name: LONG });
    await createTeam(ctx, { name: HOSTILE });
    const long = await createClient(ctx, LONG);
    await updateClient(ctx, long.id, { team_id: team.id });
    const hostile = await createClient(ctx, HOSTILE);
    // An old key, used long ago: its dates read "1000 d ago", as wide as they get ("just now" was
    // all a fresh suite showed, and a slow run's "1 min ago" already cut the Revoke button off).
    const old = await createClient(ctx, 'old-key');
    const longAgo = Date.now() - 1000 * 86_400_000;
    ctx.db.update(clients).set({ createdAt: longAgo, lastUsedAt: longAgo + 60_000 }).where(eq(clients.id, old.id)).run();
    await addProviderKey(ctx, 'openai', { key: 'sk-a-long-enough-pool-key-0001', label: `${'K'.repeat(60)}end` });
    await createUser(ctx.db, `${'u'.repeat(61)}end`, 'a-long-enough-password', 'viewer', true);
    for (const key of [long.key, hostile.key]) {
      await new OpenAI({ apiKey: key, baseURL: `${env.gw.url}/v1`, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    }
  });

  async function measure(width: number) {
    const { env, page } = s;
    await page.setViewportSize({ width, height: 900 });
    const problems: string[] = [];
    for (const [path, key] of PAGES) {
      await page.goto(`${env.gw.url}${path}`);
      await page.waitForSelector(`#main [data-page="${key}"]`);
      if (key === 'monitor') await page.waitForSelector('#monitor-table tbody tr.monitor-row');
      // The long name is on the page (so the measure below can fail).
      const text = await page.evaluate(() => document.getElementById('main')!.innerText);
      if (key !== 'providers' && key !== 'users' && !text.replace(/\s/g, '').includes(LONG)) problems.push(`${key}: the long name is not shown whole`);
      const m = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        tableCut: Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth)),
      }));
      if (m.overflow > 0) problems.push(`${width}px ${key}: the page is ${m.overflow}px too wide`);
      if (width > 800 && m.tableCut > 1) problems.push(`${width}px ${key}: a table is cut by ${m.tableCut}px`);
      await screenshot(page, `long-names-w${width}-${key}`);
    }
    return problems;
  }

  test('laptop width: every table shows all its columns', async () => {
    expect(await measure(1360)).toEqual([]);
  });

  test('phone width: no page scrolls sideways', async () => {
    expect(await measure(400)).toEqual([]);
  });

  test('hostile names are text on every page they appear on', async () => {
    const { env, page } = s;
    await page.setViewportSize({ width: 1360, height: 900 });
    for (const [path, key] of [['/clients', 'clients'], ['/teams', 'teams'], ['/logs', 'logs'], ['/', 'usage'], ['/monitor', 'monitor']] as const) {
      await page.goto(`${env.gw.url}${path}`);
      await page.waitForSelector(`#main [data-page="${key}"]`);
      if (key === 'monitor') await page.waitForSelector('#monitor-table tbody tr.monitor-row');
      const text = await page.evaluate(() => document.getElementById('main')!.innerText);
      expect({ key, shown: text.includes(HOSTILE) }).toEqual({ key, shown: true });
      expect(await page.locator('#main script').count()).toBe(0);
    }
    // The rename form offers the name exactly as saved, so saving it unchanged keeps it.
    await page.goto(`${env.gw.url}/clients`);
    const row = page.locator('#clients-table tr', { has: page.locator('.client-name', { hasText: 'alert' }) });
    expect(await row.locator('.client-name').getAttribute('title')).toBe(HOSTILE);
    await row.locator('button:text-is("Rename")').click();
    expect(await row.locator('input[name=name]').inputValue()).toBe(HOSTILE);
    // The save sends the section back whole: wait for that copy (the one on screen shows the same names).
    await markStale(page, '#clients-section');
    await row.locator('button:text-is("Save")').click();
    await page.waitForSelector('#clients-section:not([data-stale]) #clients-table tr:not(:has(input[name=name]:visible)) .client-name');
    expect(env.gw.ctx.db.select().from(clients).all().filter((c) => c.name.includes('alert')).map((c) => c.name)).toEqual([HOSTILE]);
  });

  test('phone width: a log row opened far down the list brings its detail into sight', async () => {
    const { env, page } = s;
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${env.gw.url}/logs`);
    await page.click('#logs-table tbody tr >> nth=0');
    await page.waitForSelector('#log-detail-body');
    const box = await page.evaluate(() => {
      const r = document.getElementById('log-detail')!.getBoundingClientRect();
      return { top: r.top, height: window.innerHeight };
    });
    expect(box.top).toBeGreaterThanOrEqual(0);
    expect(box.top).toBeLessThan(box.height);
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});
