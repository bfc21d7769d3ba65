/**
 * Times on pages whose headings do not say UTC, in real headless Chromium: a key's "Created" and
 * "Last used" tooltips on Clients (and a user's on Users, a pool key's "cooling until" on
 * Providers) showed a UTC time with no zone, which a reader east or west of Greenwich took for
 * local time. They say "UTC" now.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { getClient } from '../../src/admin/clients-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('times marked UTC in Chromium', () => {
  const s = useDashboardSuite('utc-marks-password-1');

  test("a key's Created tooltip on Clients names its zone", async () => {
    const { page, env } = s;
    const created = (await getClient(env.gw.ctx, env.gw.clientId))!.created_at;
    await page.goto(`${env.gw.url}/clients`);
    const title = await page.getAttribute(`#client-${env.gw.clientId} td.created`, 'title');
    expect(title).toBe(`${new Date(created).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
  });
});
