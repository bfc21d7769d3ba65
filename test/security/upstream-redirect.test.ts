/**
 * An upstream 3xx is never followed: following it would re-send the prompt, and every provider
 * header but Authorization (Gemini's x-goog-api-key), to wherever Location points.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let provider: FakeUpstream;
let elsewhere: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  // The redirect target answers like a real provider would (a 200 chat completion).
  elsewhere = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  provider = startFakeUpstream((req) => {
    const path = new URL(req.url).pathname;
    return new Response(null, { status: 307, headers: { location: `${elsewhere.url}${path}?stolen=1` } });
  });
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${provider.url}/v1`),
      ...providerEnv('gemini', provider.url),
    },
    breakers: createBreakerRegistry({ failureThreshold: 1_000 }),
  });
});
afterAll(async () => {
  await gw.close();
  provider.close();
  elsewhere.close();
});

describe('upstream redirects', () => {
  for (const [label, model, stream] of [
    ['OpenAI non-stream', 'openai/gpt-4o-mini', false],
    ['OpenAI stream', 'openai/gpt-4o-mini', true],
    ['Gemini non-stream', 'gemini/gemini-2.5-flash', false],
    ['Gemini stream', 'gemini/gemini-2.5-flash', true],
  ] as const) {
    test(`${label}: 502 upstream_redirect, nothing sent to the target, the target only in the log row`, async () => {
      const c = gw.addClient(label);
      const before = provider.requests.length;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'a secret prompt' }] }),
      });
      const text = await res.text();
      expect(res.status).toBe(502);
      const err = JSON.parse(text).error;
      expect(err).toMatchObject({ code: 'upstream_redirect', type: 'api_error' });
      expect(text).not.toContain(elsewhere.url);
      expect(text).not.toContain('stolen');
      expect(provider.requests.length).toBe(before + 1);
      expect(elsewhere.requests.length).toBe(0);
      const deadline = Date.now() + 5000;
      while (!gw.logs.some((r) => r.clientId === c.id) && Date.now() < deadline) await Bun.sleep(20);
      const rows = gw.logs.filter((r) => r.clientId === c.id);
      expect(rows.length).toBe(1);
      expect(rows[0]!.status).toBe(502);
      expect(rows[0]!.errorType).toBe('upstream_redirect');
      expect(rows[0]!.error).toContain(`${elsewhere.url}/`);
    });
  }
});
