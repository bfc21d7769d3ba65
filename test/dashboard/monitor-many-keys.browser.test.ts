/**
 * The Monitoring page with thousands of keys: it put every key's name into the page (`data-clients`),
 * so the page grew with the key count (10,000 keys: hundreds of kilobytes on every visit). It now
 * carries the names of the keys its rows show; a live event names its own key, so a request from any
 * other key still shows by name. In real headless Chromium.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { hashClientKey } from '../../src/auth/client-auth';
import { clients } from '../../src/db/schema';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo, type DashboardGateway } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const KEYS = 3000;
const nameOf = (i: number) => `bulk-key-${String(i).padStart(5, '0')}-of-the-many-keys-team`;
const keyOf = (i: number) => `gg-bulk-${String(i).padStart(5, '0')}-${'k'.repeat(24)}`;

/** KEYS keys in a few inserts (one snapshot reload), and one request from the first before the page opens. */
async function seed(env: DashboardGateway): Promise<void> {
  const rows = Array.from({ length: KEYS }, (_, i) => ({ name: nameOf(i), keyHash: hashClientKey(keyOf(i)), keyPrefix: keyOf(i).slice(0, 10), createdAt: Date.now() }));
  for (let i = 0; i < rows.length; i += 500) env.gw.ctx.db.insert(clients).values(rows.slice(i, i + 500)).run();
  env.gw.ctx.state.reload();
  const res = await fetch(`${env.gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${keyOf(0)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  await storedLogRow(env, res.headers.get('x-request-id')!);
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the Monitoring page with thousands of keys in Chromium', () => {
  const s = useDashboardSuite('monitor-many-keys-admin-1', seed);

  test("the page carries the names of the keys it shows, not every key's; a live event from another key shows its name", async () => {
    const { page, env } = s;
    const html = await (await page.request.get(`${env.gw.url}/monitor`)).text();
    // The row's own key is named; the other 2,999 are not in the page.
    expect(html.includes(nameOf(0)), 'the shown row\'s key is named').toBe(true);
    expect(html.includes(nameOf(1)), 'a key the page does not show is named in it').toBe(false);
    expect(html.includes(nameOf(KEYS - 1)), 'a key the page does not show is named in it').toBe(false);
    // Each name costs some 60 bytes in the attribute: all of them were over 180 KB.
    expect(html.length).toBeLessThan(60_000);

    await navTo(page, 'Monitoring', 'monitor');
    await page.locator('#monitor-table .monitor-row', { hasText: nameOf(0) }).waitFor();
    await page.locator('#monitor-status', { hasText: 'live' }).waitFor();

    const other = new OpenAI({ apiKey: keyOf(KEYS - 1), baseURL: `${env.gw.url}/v1`, maxRetries: 0 });
    await other.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await page.locator('#monitor-table .monitor-row', { hasText: nameOf(KEYS - 1) }).waitFor();
    expect(await page.locator('#monitor-table .monitor-row').count()).toBe(2);
    expect(s.watch.problems).toEqual([]);
  });
});
