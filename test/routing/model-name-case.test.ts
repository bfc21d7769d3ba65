/**
 * Model ids and group names are matched exactly, as OpenAI's model ids are: `Fast-Flow` is not
 * the seeded `fast-flow`. The 404 then names the right-cased name, on chat, on /v1/messages (in
 * Anthropic's shape) and on GET /v1/models/{id}; a name no known one matches keeps the plain words.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
beforeAll(async () => (gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' } })));
afterAll(() => gw?.close());

async function chatRefusal(model: string): Promise<string> {
  const err = await gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello!' }] }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  const e = err as InstanceType<typeof OpenAI.APIError>;
  expect([e.code, e.param]).toEqual(['model_not_found', 'model']);
  expect((await gw.waitForRow(e)).status).toBe(404);
  return (e.error as { message: string }).message;
}

test('a group asked in other letter cases is not found, and the 404 names the group as it is spelled', async () => {
  expect(gw.ctx.state.getSnapshot().groups.has('fast-flow')).toBe(true);
  expect(await chatRefusal('Fast-Flow')).toBe("The model 'Fast-Flow' does not exist or is not enabled. Model and group names are case-sensitive: did you mean 'fast-flow'?");
  expect(await chatRefusal('HEAVY-LOGIC')).toBe("The model 'HEAVY-LOGIC' does not exist or is not enabled. Model and group names are case-sensitive: did you mean 'heavy-logic'?");
});

test('a model id in other letter cases gets the same hint; an unknown name the plain words', async () => {
  expect(await chatRefusal('DeepSeek-Chat')).toEndWith("did you mean 'deepseek-chat'?");
  expect(await chatRefusal('fast-flo')).toBe("The model 'fast-flo' does not exist or is not enabled.");
});

test("a provider's prefix in other letter cases (OpenAI/…, DeepSeek/…) gets the hint with the prefix as providers are named", async () => {
  expect(await chatRefusal('DeepSeek/deepseek-chat')).toEndWith("did you mean 'deepseek/deepseek-chat'?");
  expect(await chatRefusal('OpenAI/gpt-4o-mini')).toEndWith("did you mean 'openai/gpt-4o-mini'?");
  // Not a provider however it is cased: the plain words.
  expect(await chatRefusal('OpenRouter/gpt-4o-mini')).toBe("The model 'OpenRouter/gpt-4o-mini' does not exist or is not enabled.");
});

test('/v1/messages says it in Anthropic\'s shape, GET /v1/models/{id} in OpenAI\'s', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const refused = await anthropic.messages.create({ model: 'Dispatcher', max_tokens: 16, messages: [{ role: 'user', content: 'Hello!' }] }).then(() => null, (e: unknown) => e);
  expect(refused).toBeInstanceOf(Anthropic.NotFoundError);
  const body = (refused as InstanceType<typeof Anthropic.NotFoundError>).error as { type: string; error: { type: string; message: string } };
  expect([body.type, body.error.type]).toEqual(['error', 'not_found_error']);
  expect(body.error.message).toContain("did you mean 'dispatcher'?");

  const one = await gw.fetch('/v1/models/Fast-Flow', { headers: { authorization: `Bearer ${gw.addClient('case-reader').key}` } });
  expect(one.status).toBe(404);
  const err = ((await one.json()) as { error: { code: string; message: string } }).error;
  expect(err.code).toBe('model_not_found');
  expect(err.message).toEndWith("did you mean 'fast-flow'?");
  // The exact name is served.
  expect((await gw.fetch('/v1/models/fast-flow', { headers: { authorization: `Bearer ${gw.addClient('case-reader-2').key}` } })).status).toBe(200);
});
