/**
 * The Swagger page as a browser opens it: every asset it names and the OpenAPI document it asks
 * for load, whether the address typed was /swagger or /swagger/ (the page names its document by a
 * relative URL, so that it also works behind a proxy under a path prefix).
 */
import { expect, test } from 'bun:test';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));

test.each(['/swagger', '/swagger/'])('%s: the page, its assets and its OpenAPI document all load', async (path) => {
  const page = await fetch(`${gw.url}${path}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  // Relative URLs resolve against the address the browser ends up at (after any redirect).
  const base = page.url;
  const assets = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, base).href);
  expect(assets.length).toBeGreaterThanOrEqual(2);
  for (const a of assets) expect([a, (await fetch(a)).status]).toEqual([a, 200]);
  const specUrl = /"url":"([^"]+)"/.exec(html)![1]!;
  const spec = await fetch(new URL(specUrl, base));
  expect([spec.url, spec.status]).toEqual([`${gw.url}/swagger/json`, 200]);
  expect(((await spec.json()) as { openapi: string }).openapi).toMatch(/^3\./);
});
