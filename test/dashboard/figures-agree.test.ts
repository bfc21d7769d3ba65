/**
 * One figure reads the same on every page. A gpt-4o-mini request of 19 tokens in and 9 out costs
 * $0.00000825, stored on its log row as 8.249999999999998e-6 and summed (roundUsd) into the totals
 * as 8.25e-6: the Logs page read "$0.0000082" beside "$0.0000083" on Usage and Clients. And an
 * error rate that is not nil (2 failed of 5,000) read "0%" beside "2 errors".
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { ADMIN_PASSWORD, apiLogRow, useAdminGateway, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

// OpenAI's answer of 19 tokens in, 9 out.
const upstream = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
afterAll(() => upstream.close());

let gw: TestGateway;
let admin: Session;
let cookie: string;
useAdminGateway(async (s) => {
  gw = s.gw;
  admin = s.admin;
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
  cookie = r.headers.get('set-cookie')!.split(';')[0]!;
}, { storeLogs: true, env: providerEnv('openai', `${upstream.url}/v1`) });

const page = async (path: string) => (await fetch(`${gw.url}${path}`, { headers: { cookie } })).text();
/** The value shown on the Usage page's stat card of this id, as text. */
const statValue = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>\\s*<div class="stat-label">[^<]*</div>\\s*<div class="stat-value">([^<]*)<`)
  .exec(html)?.[1]?.replaceAll('&lt;', '<').replaceAll('&gt;', '>');

describe('figures agree across the dashboard', () => {
  test('one request\'s cost reads the same on its Logs row, on Usage and on Clients', async () => {
    const { response } = await gw.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
    expect([row.prompt_tokens, row.completion_tokens]).toEqual([19, 9]);
    // The stored figure is the float product, just under the half-way decimal.
    expect(row.cost_usd).toBeLessThan(0.00000825);

    const logs = await page('/logs');
    const logRow = new RegExp(`id="log-${row.id}"[\\s\\S]*?</tr>`).exec(logs)![0];
    expect(logRow).toContain('$0.0000083');
    expect(statValue(await page('/'), 'stat-cost')).toBe('$0.0000083');
    expect(await page('/clients')).toContain('$0.0000083');
  });

  test('1 failed request of 5,000 is not an error rate of "0%"', async () => {
    const now = Date.now();
    const row = (i: number): LogRow => ({
      createdAt: now - 60_000 - i, requestId: `rate-${i}-${crypto.randomUUID()}`, clientId: gw.clientId, endpoint: 'chat', modelRequested: 'gpt-4o-mini',
      model: 'gpt-4o-mini', provider: 'openai', route: null, stream: false, status: i < 1 ? 502 : 200, errorType: i < 1 ? 'upstream_error' : null,
      error: i < 1 ? 'upstream returned 502' : null, promptTokens: 1, cachedTokens: 0, completionTokens: 1, reasoningTokens: 0, estimated: false,
      costUsd: 0, latencyMs: 1, ttfbMs: null, overheadMs: 0,
    });
    for (let i = 0; i < 4_999; i++) gw.ctx.logSink.write(row(i));
    for (let i = 0; i < 200; i++) {
      const n = Number((await gw.ctx.store.all<{ n: number }>("SELECT count(*) AS n FROM request_logs WHERE request_id LIKE 'rate-%'"))[0]!.n);
      if (n === 4_999) break;
      await Bun.sleep(50);
    }
    // With the request of the test above: 5,000 requests, 1 failed.
    const usage = await page('/');
    expect(statValue(usage, 'stat-requests')).toBe('5k');
    expect(usage).toContain('1 error<');
    expect(statValue(usage, 'stat-error-rate')).toBe('<0.1%');
  });
});
