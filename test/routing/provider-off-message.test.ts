import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

// A first try of the README's example (`gpt-4o`) with no provider key read "does not exist or is
// not enabled", as for a typo: the 404 now says the model is known and what turns its provider on.

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    env: {
      // openai: no key. deepseek: a key, switched off. ollama: keyless, switched off.
      LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek',
      LLM_PROXY__PROVIDERS__DEEPSEEK__ENABLED: 'false',
      LLM_PROXY__PROVIDERS__OLLAMA__ENABLED: 'false',
    },
  });
});
afterAll(() => gw?.close());

async function refusal(model: string) {
  const err = await gw
    .openai()
    .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello!' }] })
    .then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const e = err as InstanceType<typeof OpenAI.APIError>;
  expect([e.status, e.code, e.param]).toEqual([404, 'model_not_found', 'model']);
  const row = await gw.waitForRow(e);
  expect(row.status).toBe(404);
  return (e.error as { message: string }).message;
}

describe('404 model_not_found for a model whose provider is off names why', () => {
  test('a seeded id and provider/model of a provider without a key: the variable to set', async () => {
    for (const model of ['gpt-4o', 'openai/gpt-4o-mini', 'openai/some-new-model']) {
      expect(await refusal(model)).toBe(
        `The model '${model}' is not enabled: its provider 'openai' has no API key (set OPENAI_API_KEY, or add one on the dashboard's Providers page).`,
      );
    }
  });

  test('a provider switched off (with a key, or one that needs none): what turns it on', async () => {
    expect(await refusal('deepseek-chat')).toBe(
      "The model 'deepseek-chat' is not enabled: its provider 'deepseek' is off (the dashboard's Providers page or LLM_PROXY__PROVIDERS__DEEPSEEK__ENABLED=true turns it on).",
    );
    expect(await refusal('ollama/llama3')).toContain("its provider 'ollama' is off (the dashboard's Providers page or LLM_PROXY__PROVIDERS__OLLAMA__ENABLED=true turns it on)");
  });

  test('an unknown name keeps the generic words; /v1/messages says the same in Anthropic\'s shape', async () => {
    expect(await refusal('no-such-model')).toBe("The model 'no-such-model' does not exist or is not enabled.");
    const res = await gw.fetch('/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('not_found_error');
    expect(body.error.message).toContain('set OPENAI_API_KEY');
    expect((await gw.waitForRow(res)).status).toBe(404);
  });
});
