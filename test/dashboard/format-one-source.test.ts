/**
 * The browser formats numbers with format.ts itself: /assets/format.js is generated from it, and
 * the scripts in web/ keep no copy of their own (the two had drifted: usd() of a negative amount).
 */
import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_SCRIPTS } from '../../src/dashboard/assets-routes';
import { compactNumber, duration, usd } from '../../src/dashboard/format';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => void (gw = g));

const INPUTS = [0, 1, -1, 0.5, 950, 999.9, 1000, 1234, -1234, 99_999, 312_400, 2_500_000, -7_000_000_000, 0.0041, 0.00001666, 1e-7, -2.5e-9, 1e-300, -0.004, 0.05, -0.05, 0.123, 1.234, -5, 1234.5, 59_999, 60_000, 90_000, NaN, Infinity, 8.249999999999998e-6, 1.005, -0.0125];

/** Runs the served script the way a page does (a classic script setting a window global). */
function browserFormats(script: string): { compactNumber: (n: number) => string; usd: (n: number) => string; duration: (n: number) => string } {
  const window: Record<string, any> = {};
  new Function('window', script)(window);
  return window.GopherGateFormat;
}

test('/assets/format.js gives the same answers as format.ts on the same inputs, negatives included', async () => {
  const res = await fetch(`${gw.url}/assets/format.js`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('javascript');
  const browser = browserFormats(await res.text());
  for (const n of INPUTS) {
    expect([n, browser.compactNumber(n)]).toEqual([n, compactNumber(n)]);
    expect([n, browser.usd(n)]).toEqual([n, usd(n)]);
    expect([n, browser.duration(n)]).toEqual([n, duration(n)]);
  }
  expect(browser.usd(-5)).toBe('-$5.00');
});

test('pages load format.js before the dashboard\'s scripts, and these have no formatting code of their own', async () => {
  const page = await (await fetch(`${gw.url}/login`)).text();
  const formatAt = page.indexOf('/assets/format.js');
  expect(formatAt).toBeGreaterThan(-1);
  for (const name of DASHBOARD_SCRIPTS) expect([name, formatAt < page.indexOf(`/assets/${name}?`)]).toEqual([name, true]);
  const web = join(import.meta.dir, '../../web');
  const scripts = readdirSync(web).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(1);
  for (const name of scripts) {
    const source = readFileSync(join(web, name), 'utf8');
    for (const own of ['toPrecision', 'toLocaleString', "'B'], [1e6"]) expect([name, source.includes(own)]).toEqual([name, false]);
  }
  // The two that show figures take them from format.js.
  for (const name of ['charts.js', 'monitor.js']) expect(readFileSync(join(web, name), 'utf8')).toContain('window.GopherGateFormat');
});
