/**
 * The Usage page's charts on a gateway that has served nothing yet, in real headless Chromium:
 * drawn (empty), with counts on whole-number ticks: no "0.1 tokens" or "0.5 requests"; drawn again
 * in the other theme's colours when the theme is toggled; the charts of a page swapped out are
 * destroyed (Chart.js keeps every chart it drew until then).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, markStale, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Usage charts with no data in Chromium', () => {
  const s = useDashboardSuite('usage-charts-password-1');

  /** The tick values of one axis of the chart drawn on `canvas[data-chart=kind]`. */
  const ticks = (kind: string, axis: string) => s.page.evaluate(([k, a]) => {
    const canvas = document.querySelector(`canvas[data-chart="${k}"]`) as HTMLCanvasElement;
    const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { scales: Record<string, { ticks: { value: number }[] }> } } }).Chart.getChart(canvas);
    return chart.scales[a!]!.ticks.map((t) => t.value);
  }, [kind, axis] as const);

  test('both charts are drawn, and their count axes tick in whole numbers', async () => {
    const { page } = s;
    await page.waitForSelector('#main [data-page="usage"] canvas[data-chart="tokens"][data-rendered]');
    await page.waitForSelector('#main [data-page="usage"] canvas[data-chart="requests"][data-rendered]');
    expect(await page.textContent('#main')).toContain('No requests in this range yet');
    for (const [kind, axis] of [['tokens', 'y'], ['requests', 'y']] as const) {
      const values = await ticks(kind, axis);
      expect(values.length).toBeGreaterThan(0);
      expect({ kind, fractional: values.filter((v) => !Number.isInteger(v)) }).toEqual({ kind, fractional: [] });
    }
  });

  test('the theme toggle draws the charts again in the new theme\'s colours', async () => {
    const { page } = s;
    /** The requests chart's grid colour as drawn, and the page's --border it was drawn from. */
    const colours = () => page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-chart="requests"]') as HTMLCanvasElement;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { scales: { x: { grid: { color: string } } } } } } }).Chart.getChart(canvas);
      return { drawn: chart.options.scales.x.grid.color, border: getComputedStyle(document.documentElement).getPropertyValue('--border').trim() };
    });
    const before = await colours();
    expect(before.drawn).toBe(before.border);
    await page.click('[data-theme-toggle]');
    const after = await colours();
    await page.click('[data-theme-toggle]');
    await page.evaluate(() => localStorage.removeItem('gg-theme'));
    expect(after.border).not.toBe(before.border);
    expect(after.drawn).toBe(after.border);
  });

  test('charts of a page swapped out are destroyed: changing the range and leaving keep only the two on screen', async () => {
    const { page } = s;
    /** Charts Chart.js still holds, and how many of them are drawn on a canvas no longer in the page. */
    const held = () => page.evaluate(() => {
      const all = Object.values((window as unknown as { Chart: { instances: Record<string, { canvas: HTMLCanvasElement }> } }).Chart.instances);
      return { charts: all.length, detached: all.filter((c) => !c.canvas.isConnected).length };
    });
    for (const range of ['7d', '90d', '24h']) {
      await markStale(page, '#main [data-page]');
      await page.selectOption('#range', range);
      await page.waitForSelector(`#main [data-page="usage"]:not([data-stale]) canvas[data-chart="requests"][data-rendered]`);
      await htmxSettled(page);
    }
    await navTo(page, 'Logs', 'logs');
    expect(await held()).toEqual({ charts: 0, detached: 0 });
    await navTo(page, 'Usage', 'usage');
    await page.waitForSelector('#main [data-page="usage"] canvas[data-chart="requests"][data-rendered]');
    expect(await held()).toEqual({ charts: 2, detached: 0 });
  });

  test("the 7-day range's hourly axis is named by day, a tick at each UTC midnight; the 24-hour range's by hour", async () => {
    const { page } = s;
    /** The x axis's tick labels of the chart on `canvas[data-chart=kind]`. */
    const labels = (kind: string) => page.evaluate((k) => {
      const canvas = document.querySelector(`canvas[data-chart="${k}"]`) as HTMLCanvasElement;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { scales: { x: { ticks: { label: string }[] } } } } }).Chart.getChart(canvas);
      return chart.scales.x.ticks.map((t) => t.label);
    }, kind);
    const days = Array.from({ length: 8 }, (_, i) => new Date(Date.now() - (7 - i) * 86_400_000).toISOString().slice(5, 10));
    await markStale(page, '#main [data-page]');
    await page.selectOption('#range', '7d');
    await page.waitForSelector('#main [data-page="usage"]:not([data-stale]) canvas[data-chart="requests"][data-rendered]');
    for (const kind of ['requests', 'tokens']) {
      const shown = await labels(kind);
      // Each UTC midnight in the last 7 days (7 of them, or 8 when the range starts on one), and nothing else.
      expect({ kind, shown }).toEqual({ kind, shown: days.slice(days.length - shown.length) });
      expect(shown.length).toBeGreaterThanOrEqual(7);
    }
    await markStale(page, '#main [data-page]');
    await page.selectOption('#range', '24h');
    await page.waitForSelector('#main [data-page="usage"]:not([data-stale]) canvas[data-chart="requests"][data-rendered]');
    expect((await labels('requests')).every((l) => /^\d\d-\d\d \d\d:00$/.test(l))).toBe(true);
    await htmxSettled(page);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
