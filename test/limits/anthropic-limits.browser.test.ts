/**
 * The official Anthropic SDK in real headless Chromium, on a page of another origin than the
 * gateway's (dangerouslyAllowBrowser): it reads a limited key's rate headers on /v1/messages, and
 * honours `x-should-retry: false` on a spent budget. Both depend on the CORS expose-headers list:
 * a header not listed there is null to the page, and the SDK then retries a refusal it cannot pass.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../browser-helpers/launch-browser';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Anthropic SDK in Chromium against a limited key', () => {
  let rig: LimitsRig;
  let site: ReturnType<typeof Bun.serve>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    rig = await startLimitsRig();
    const built = await Bun.build({ entrypoints: [join(import.meta.dir, '..', 'browser-helpers', 'anthropic-sdk.entry.ts')], target: 'browser' });
    const sdk = await built.outputs[0]!.text();
    // The app's own origin: another port than the gateway's, so every call is cross-origin.
    site = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (req) =>
        new URL(req.url).pathname === '/sdk.js'
          ? new Response(sdk, { headers: { 'content-type': 'text/javascript' } })
          : new Response('<!doctype html><title>app</title><script src="/sdk.js"></script>', { headers: { 'content-type': 'text/html' } }),
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${site.port}/`);
    await page.waitForFunction(() => 'Anthropic' in window);
  });
  afterAll(async () => {
    await browser?.close();
    site?.stop(true);
    await rig?.close();
  });

  /** One messages.create from the page: what the SDK returned or threw, and the headers it saw. */
  const call = (key: string, maxRetries: number) =>
    page.evaluate(
      async ({ baseURL, apiKey, maxRetries }) => {
        const client = new (window as any).Anthropic({ baseURL, apiKey, maxRetries, dangerouslyAllowBrowser: true });
        const names = ['anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-tokens-limit', 'anthropic-ratelimit-output-tokens-reset', 'request-id', 'x-should-retry'];
        const pick = (h: Headers) => Object.fromEntries(names.map((n) => [n, h.get(n)]));
        try {
          const { data, response } = await client.messages
            .create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] })
            .withResponse();
          return { ok: true, type: data.type, headers: pick(response.headers) };
        } catch (e: any) {
          return { ok: false, status: e.status, headers: e.headers ? pick(e.headers) : {} };
        }
      },
      { baseURL: rig.gw.url, apiKey: key, maxRetries },
    );

  test('the page reads anthropic-ratelimit-* of an answer', async () => {
    const c = await limitedClient(rig.gw, 'browser-rate', { rpm: 10, tpm: 10_000 });
    const r = await call(c.key, 0);
    expect(r.ok).toBe(true);
    expect(r.headers['anthropic-ratelimit-requests-remaining']).toBe('9');
    expect(r.headers['anthropic-ratelimit-tokens-limit']).toBe('10000');
    expect(r.headers['anthropic-ratelimit-output-tokens-reset']).toBe('2026-03-10T12:01:00Z');
    expect(r.headers['request-id']).toBeTruthy();
  });

  test('a spent budget: the SDK in the page reads x-should-retry: false and sends the request once', async () => {
    const c = await limitedClient(rig.gw, 'browser-budget', { budgetUsd: 0.000001, budgetPeriod: 'month' });
    const r = await call(c.key, 2);
    expect([r.ok, r.status, r.headers['x-should-retry']]).toEqual([false, 429, 'false']);
    // Every request leaves one row at once (a refusal is logged before it is answered).
    expect(rig.gw.logs.filter((row) => row.clientId === c.id).map((row) => row.errorType)).toEqual(['budget_exceeded']);
  });
});
