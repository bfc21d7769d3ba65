/**
 * A provider's Test connection that fails, on the Providers page in real headless Chromium: the
 * badge says why in words (the upstream's own error message, the host that refused), never the
 * upstream's raw JSON ("HTTP 404: {"error":{"message":…}}") nor the runtime's "ECONNREFUSED: Unable
 * to connect. Is the computer able to access the url?".
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { setProviderSettings } from '../../src/admin/providers-service';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('failed connection tests in words in Chromium', () => {
  let closedPort = 0;
  let refusing: FakeUpstream;
  const s = useDashboardSuite('provider-test-words-1', async (env) => {
    // DeepSeek's key refused, in OpenAI's error shape (as DeepSeek answers it).
    refusing = startFakeUpstream(() => jsonResponse({ error: { message: 'Authentication Fails, Your api key: ****0001 is invalid', type: 'authentication_error', param: null, code: 'invalid_request_error' } }, 401));
    await setProviderSettings(env.gw.ctx, 'deepseek', { base_url: `${refusing.url}/v1`, api_key: 'sk-provider-test-words-0001', enabled: true });
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
    closedPort = closed.port!;
    closed.stop(true);
    await setProviderSettings(env.gw.ctx, 'ollama', { base_url: `http://127.0.0.1:${closedPort}/v1` });
  });

  async function testResult(provider: string): Promise<string> {
    const { page } = s;
    await page.locator(`#provider-${provider} button:text-is("Test connection")`).click();
    const badge = page.locator(`#provider-test-${provider} .badge`);
    await badge.waitFor();
    return badge.innerText();
  }

  test('an upstream refusal reads as its message, not its JSON', async () => {
    await navTo(s.page, 'Providers', 'providers');
    expect(await testResult('deepseek')).toBe('HTTP 401: Authentication Fails, Your api key: ****0001 is invalid');
  });

  test('a closed port reads as the host that refused', async () => {
    expect(await testResult('ollama')).toBe(`connection refused at 127.0.0.1:${closedPort} (is the server running there?)`);
  });

  afterAll(() => refusing?.close());

  test('the page raised no console errors and no request failed', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
