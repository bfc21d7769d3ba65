/**
 * A 429 whose only wait is in its message: Moonshot's rate_limit_reached_error ("please try again
 * after 1 seconds", no retry-after header), OpenAI's TPM limit ("Please try again in 958ms." with
 * tokens left, but fewer than asked, so no x-ratelimit header shows a limit exhausted). The key
 * rests that long and the client is told it, not the gateway's 60 s default.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let openai: FakeUpstream;
let moonshot: FakeUpstream;
let gw: TestGateway;
const clock = { now: 1_800_000_000_000 };

beforeAll(async () => {
  openai = startFakeUpstream();
  moonshot = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('moonshot', `${moonshot.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  openai.close();
  moonshot.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
});

/** The gateway's answer to one chat call: status, code and the wait headers. */
async function waitOf(model: string) {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as any;
  return [res.status, body.error?.code, res.headers.get('retry-after'), res.headers.get('retry-after-ms')];
}
const keyState = (p: 'openai' | 'moonshot', model: string) => gw.ctx.keyPool.stateOf(p, gw.ctx.state.getSnapshot().providers.get(p)!.keys![0]!, model);

test("Moonshot's rate_limit_reached_error 'please try again after 1 seconds': the key rests 1 s and the client is told 1 s", async () => {
  moonshot.handler = () =>
    jsonResponse({ error: { type: 'rate_limit_reached_error', message: 'Your account org-8a1c<ak-f0e1> request reached organization max RPM: 3, please try again after 1 seconds' } }, 429);
  expect(await waitOf('moonshot/kimi-k2.6')).toEqual([429, 'rate_limit_exceeded', '1', '1000']);
  expect(keyState('moonshot', 'kimi-k2.6')).toEqual({ state: 'cooling', until: clock.now + 1000 });
});

test("OpenAI's TPM 429 'Please try again in 958ms.' with tokens left: 958 ms, not 60 s", async () => {
  openai.handler = () =>
    jsonResponse(
      {
        error: {
          message: 'Rate limit reached for gpt-4o-mini in organization org-abc on tokens per min (TPM): Limit 30000, Used 29133, Requested 1346. Please try again in 958ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      429,
      { 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '867', 'x-ratelimit-reset-tokens': '1.734s', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms' },
    );
  expect(await waitOf('openai/gpt-4o-mini')).toEqual([429, 'rate_limit_exceeded', '1', '958']);
  expect(keyState('openai', 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 958 });
});

test('a wait in the message never overrides the headers: retry-after wins', async () => {
  openai.handler = () =>
    jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' });
  expect(await waitOf('openai/gpt-4o-mini')).toEqual([429, 'rate_limit_exceeded', '7', '7000']);
  expect(keyState('openai', 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 7000 });
});
