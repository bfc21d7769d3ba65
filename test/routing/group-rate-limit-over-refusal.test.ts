/**
 * A group whose first target is only rate-limited and whose later target refuses the gateway's
 * keys (out of credit, a refused key, a retired model): the client is told the rate limit and its
 * wait, as it is when one provider's keys fail so (walk-targets.ts), not the later target's "do not
 * retry", since a retry is served once the first target's key is back. Fake Moonshot and DeepSeek
 * upstreams on loopback with their real error bodies, plain HTTP, one gateway.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let moonshot: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
const clock = { now: 1_800_000_000_000 };

const kimiRateLimited: FakeHandler = () =>
  jsonResponse({ error: { type: 'rate_limit_reached_error', message: 'Your account org-8a1c<ak-f0e1> request reached organization max RPM: 3' } }, 429, { 'retry-after': '5' });
const refusals: [string, FakeHandler][] = [
  ["DeepSeek's 402 Insufficient Balance", () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }, 402)],
  ["DeepSeek's 401 for a refused key", () => jsonResponse({ error: { message: 'Authentication Fails, Your api key: ****abcd is invalid', type: 'authentication_error', param: null, code: 'invalid_request_error' } }, 401)],
  ['a 404 for a model no longer served', () => jsonResponse({ error: { message: 'Model Not Exist', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 404)],
];

beforeAll(async () => {
  moonshot = startFakeUpstream(kimiRateLimited);
  deepseek = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('moonshot', `${moonshot.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'kimi-then-deepseek', strategy: 'heuristic', targets: ['moonshot/kimi-k2.6', 'deepseek/deepseek-chat'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  moonshot.close();
  deepseek.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  gw.ctx.breakers.reset();
});

for (const [name, handler] of refusals) {
  test(`Kimi rate-limited (retry-after 5), then ${name}: the client gets the 429 and its wait`, async () => {
    deepseek.handler = handler;
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'kimi-then-deepseek', messages: [{ role: 'user', content: 'hi' }] }) });
    const body = (await res.json()) as any;
    expect([res.status, body.error.code, res.headers.get('retry-after'), res.headers.get('x-should-retry')]).toEqual([429, 'rate_limit_exceeded', '5', null]);
    expect(body.error.message).toContain('max RPM');
    // Both targets were tried and the row lists them; the row's status is the answer's.
    const row = await gw.waitForRow(res);
    expect([row.status, row.provider, row.model]).toEqual([429, 'moonshot', 'kimi-k2.6']);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([
      ['moonshot', 429],
      ['deepseek', name.includes('404') ? 404 : name.includes('401') ? 502 : 402],
    ]);
  });
}
