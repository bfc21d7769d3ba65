/**
 * The well-known key variables (OPENAI_API_KEY, DEEPSEEK_API_KEY, MOONSHOT_API_KEY, GROK_API_KEY)
 * turn their provider on and reach the upstream as its bearer key; a provider without a key stays
 * off (INTERFACE.md, Configuration). Gemini's GEMINI_API_KEY is covered in test/gemini/gateway-e2e.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

const KEYS = {
  openai: ['OPENAI_API_KEY', 'sk-plain-openai-0001'],
  deepseek: ['DEEPSEEK_API_KEY', 'sk-plain-deepseek-0002'],
  moonshot: ['MOONSHOT_API_KEY', 'sk-plain-moonshot-0003'],
  grok: ['GROK_API_KEY', 'xai-plain-grok-0004'],
} as const;

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  const env: Record<string, string> = {};
  for (const [id, [name, key]] of Object.entries(KEYS)) {
    env[name] = key;
    // Only the upstream URL is namespaced: neither __API_KEY nor __ENABLED is set.
    env[`LLM_PROXY__PROVIDERS__${id.toUpperCase()}__BASE_URL`] = `${fake.url}/${id}/v1`;
  }
  gw = await startGateway({ env });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

test('each plain <P>_API_KEY enables its provider and is sent upstream as its bearer key', async () => {
  const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
  for (const id of Object.keys(KEYS)) expect({ id, enabled: health.providers[id].enabled }).toEqual({ id, enabled: true });
  // No GEMINI_API_KEY and no stored key: Gemini stays off.
  expect(health.providers.gemini.enabled).toBe(false);

  for (const [id, [, key]] of Object.entries(KEYS)) {
    const { response } = await gw
      .openai()
      .chat.completions.create({ model: `${id}/some-model`, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    const sent = fake.last();
    expect({ id, path: sent.path, auth: sent.headers.authorization }).toEqual({ id, path: `/${id}/v1/chat/completions`, auth: `Bearer ${key}` });
    expect(await gw.waitForRow(response)).toMatchObject({ provider: id, status: 200 });
  }
});
