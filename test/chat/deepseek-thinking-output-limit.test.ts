/**
 * deepseek-chat's output limit, 8,192, is its non-thinking mode's: DeepSeek's Models & Pricing page
 * gives the non-thinking mode "DEFAULT: 4K, MAXIMUM: 8K" and the thinking mode "DEFAULT: 32K,
 * MAXIMUM: 64K", and `thinking: {type: "enabled"}` puts deepseek-chat in thinking mode. The gateway
 * lowered every max_tokens to 8,192 even then, which left the reasoning a few thousand tokens. Now a
 * thinking request goes with its max_tokens up to 64,000, and a key's budget reserves that much.
 * The fake DeepSeek refuses a max_tokens above its mode's maximum as DeepSeek does. Rows by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { models } from '../../src/db/schema';
import { jsonResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv } from '../helpers/start-gateway';
import { chatBody, limitedClient, PRICE, startLimitsRig, type LimitsRig } from '../limits/limits-helpers';

const REASONING = 'The user greets me; I greet back.';
const thinks = (b: any) => b.model === 'deepseek-reasoner' || b.thinking?.type === 'enabled';

/** DeepSeek as documented: max_tokens above the mode's maximum is its 400; a thinking answer carries reasoning_content. */
function deepseekAnswer(_req: Request, rec: RecordedRequest): Response {
  const b = rec.body;
  const max = thinks(b) ? 65_536 : 8192;
  if (typeof b.max_tokens === 'number' && b.max_tokens > max) {
    return jsonResponse({ error: { message: `Invalid max_tokens value, the valid range of max_tokens is [1, ${max}]`, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
  }
  const message: Record<string, unknown> = { role: 'assistant', content: 'Hello!' };
  if (thinks(b)) message.reasoning_content = REASONING;
  return jsonResponse({ id: 'ds-1', object: 'chat.completion', created: 1, model: b.model, choices: [{ index: 0, message, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } });
}

const deepseek = startFakeUpstream(deepseekAnswer);
let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ env: providerEnv('deepseek', `${deepseek.url}/v1`) });
  // deepseek-chat at the rig's easy price ($0.001 a token), with its seeded limit.
  rig.gw.ctx.db.insert(models).values({ id: 'lim-ds-chat', provider: 'deepseek', upstreamId: 'deepseek-chat', inputPrice: PRICE, outputPrice: PRICE, maxOutputTokens: 8192, updatedAt: Date.now() }).run();
  rig.gw.ctx.state.reload();
});
afterAll(async () => {
  await rig.close();
  deepseek.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const sent = () => deepseek.last().body;

test('chat, deepseek-chat with thinking enabled: max_tokens goes as asked up to 64,000, the answer thinks', async () => {
  const { data, response } = await rig.gw.openai().chat.completions.create({ model: 'deepseek-chat', messages: hi, max_tokens: 32_000, thinking: { type: 'enabled' } } as any).withResponse();
  expect(sent()).toMatchObject({ model: 'deepseek-chat', max_tokens: 32_000, thinking: { type: 'enabled' } });
  expect((data.choices[0]!.message as any).reasoning_content).toBe(REASONING);
  expect(await rig.gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'deepseek' });

  await rig.gw.openai().chat.completions.create({ model: 'deepseek-chat', messages: hi, max_tokens: 100_000, thinking: { type: 'enabled' } } as any);
  expect(sent().max_tokens).toBe(64_000);
});

test('deepseek-chat without thinking, or thinking off for a forced tool call, keeps its 8,192', async () => {
  await rig.gw.openai().chat.completions.create({ model: 'deepseek-chat', messages: hi, max_tokens: 32_000 });
  expect(sent().max_tokens).toBe(8192);
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const { response } = await rig.gw
    .openai()
    .chat.completions.create({ model: 'deepseek-chat', messages: hi, max_tokens: 32_000, tools, tool_choice: 'required', thinking: { type: 'enabled' } } as any)
    .withResponse();
  expect(sent()).toMatchObject({ max_tokens: 8192, thinking: { type: 'disabled' } });
  expect(await rig.gw.waitForRow(response)).toMatchObject({ status: 200 });
});

test('/v1/messages with thinking to deepseek-chat: max_tokens 20,000 sent as asked, a thinking block comes back', async () => {
  const anthropic = new Anthropic({ apiKey: rig.gw.clientKey, baseURL: rig.gw.url, maxRetries: 0 });
  const { data, response } = await anthropic.messages
    .create({ model: 'deepseek-chat', max_tokens: 20_000, thinking: { type: 'enabled', budget_tokens: 10_000 }, messages: hi })
    .withResponse();
  expect(sent()).toMatchObject({ max_tokens: 20_000, thinking: { type: 'enabled' } });
  expect(data.content[0]).toMatchObject({ type: 'thinking', thinking: REASONING });
  expect(await rig.gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'messages' });
});

test("a key's budget reserves a thinking request's whole max_tokens, not deepseek-chat's 8,192", async () => {
  // $0.001 a token: 8,192 output tokens ~$8, 32,000 ~$32.
  const c = await limitedClient(rig.gw, 'ds-thinking-budget', { budgetUsd: 20, budgetPeriod: 'day' });
  const openai = rig.gw.openai(c.key);
  const before = deepseek.requests.length;
  const err = await apiError(openai.chat.completions.create({ ...chatBody('lim-ds-chat', { max_tokens: 32_000 }), thinking: { type: 'enabled' } } as any));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(deepseek.requests.length).toBe(before);
  expect(await rig.gw.waitForRow(err.headers!.get('x-request-id')!)).toMatchObject({ status: 429 });
  // Without thinking the same ask is sent as 8,192, which the budget holds.
  const { response } = await openai.chat.completions.create(chatBody('lim-ds-chat', { max_tokens: 32_000 })).withResponse();
  expect(sent()).toMatchObject({ model: 'deepseek-chat', max_tokens: 8192 });
  expect(await rig.gw.waitForRow(response)).toMatchObject({ status: 200 });
});
