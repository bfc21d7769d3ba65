/**
 * DeepSeek in thinking mode refuses a forced tool call (tool_choice `required` or a named
 * function) with 400 "Thinking mode does not support this tool_choice" (deepseek-ai/DeepSeek-V3#1376).
 * The fake DeepSeek here refuses it as the real one does; the gateway sends such a request to a
 * model that can switch thinking off (deepseek-v4-*, deepseek-chat) with `thinking: {type:
 * "disabled"}`, and refuses it for deepseek-reasoner (always thinking) before the call, so a group
 * falls back. Through the official OpenAI and Anthropic SDKs and LangChain's withStructuredOutput;
 * rows by x-request-id.
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { ChatOpenAI } from '@langchain/openai';
import { modelGroups } from '../../src/db/schema';
import type { TestGateway } from '../helpers/start-gateway';
import { jsonResponse, type RecordedRequest } from '../helpers/fake-upstream';
import { useFakeProviders } from './fake-providers';
import { fixtureWith, idRecorder, weatherSchema, weatherTool } from './langchain-helpers';
import { expectForcedToolRefusedThenFallback } from './forced-tool-refusal';

let gw: TestGateway;
const { deepseekUp: deepseek, openaiUp: openai } = useFakeProviders((g) => {
  gw = g;
  g.ctx.db.insert(modelGroups).values({ name: 'reasoner-first', strategy: 'heuristic', targets: ['deepseek/deepseek-reasoner', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
  g.ctx.state.reload();
});

/** Whether DeepSeek answers `body` in thinking mode (its documented defaults). */
const thinks = (b: any) =>
  /^deepseek-reasoner/.test(b.model) || b.thinking?.type === 'enabled' || (/^deepseek-v4/.test(b.model) && b.thinking?.type !== 'disabled');
const forced = (tc: unknown) => tc === 'required' || (typeof tc === 'object' && tc !== null);

/** DeepSeek as it behaves: a forced tool_choice in thinking mode is its 400; else a (non-thinking) call of `name`. */
function strictDeepSeek(name: string, args: object) {
  return (_req: Request, r: RecordedRequest) => {
    if (thinks(r.body) && forced(r.body.tool_choice)) {
      return jsonResponse({ error: { message: 'Thinking mode does not support this tool_choice', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
    }
    return jsonResponse(
      fixtureWith('deepseek', 'tools.json', (j) => {
        j.model = r.body.model;
        delete j.choices[0].message.reasoning_content;
        j.choices[0].message.tool_calls = [{ index: 0, id: 'call_0_5e0c1a7f-4b1d-4f0e-9a8b-7c6d5e4f3a2b', type: 'function', function: { name, arguments: JSON.stringify(args) } }];
        j.usage = { prompt_tokens: 96, completion_tokens: 12, total_tokens: 108, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 96 };
      }),
    );
  };
}

const weather = [{ role: 'user' as const, content: 'Weather in Paris?' }];

test('OpenAI SDK, deepseek-v4-flash: a named or required tool_choice goes with thinking disabled, the call comes back', async () => {
  for (const tool_choice of ['required', { type: 'function', function: { name: 'get_weather' } }] as const) {
    deepseek.handler = strictDeepSeek('get_weather', { city: 'Paris' });
    const { data, response } = await gw
      .openai()
      .chat.completions.create({ model: 'deepseek/deepseek-v4-flash', messages: weather, tools: [weatherTool], tool_choice, reasoning_effort: 'high' })
      .withResponse();
    expect(data.choices[0]!.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    const sent = deepseek.last().body;
    expect(sent.thinking).toEqual({ type: 'disabled' });
    expect(sent.reasoning_effort).toBeUndefined();
    expect(sent.tool_choice).toEqual(tool_choice);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'deepseek', model: 'deepseek-v4-flash', promptTokens: 96, completionTokens: 12 });
  }
});

test('deepseek-chat with thinking enabled and a forced tool: thinking disabled for that request; tool_choice auto keeps thinking', async () => {
  deepseek.handler = strictDeepSeek('get_weather', { city: 'Paris' });
  const client = gw.openai();
  const forcedRes = await client.chat.completions
    .create({ model: 'deepseek/deepseek-chat', messages: weather, tools: [weatherTool], tool_choice: 'required', thinking: { type: 'enabled' } } as any)
    .withResponse();
  expect(deepseek.last().body.thinking).toEqual({ type: 'disabled' });
  expect((await gw.waitForRow(forcedRes.response)).status).toBe(200);
  // Not forced: the client's thinking, and V4's default one, are left as they were.
  await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: weather, tools: [weatherTool], tool_choice: 'auto', thinking: { type: 'enabled' } } as any);
  expect(deepseek.last().body.thinking).toEqual({ type: 'enabled' });
  await client.chat.completions.create({ model: 'deepseek/deepseek-v4-pro', messages: weather, tools: [weatherTool], reasoning_effort: 'high' });
  expect(deepseek.last().body).toMatchObject({ reasoning_effort: 'high' });
  expect(deepseek.last().body.thinking).toBeUndefined();
});

test("LangChain withStructuredOutput (functionCalling) on deepseek-v4-pro: the parsed object", async () => {
  deepseek.handler = strictDeepSeek('weather_query', { city: 'Nantes' });
  const rec = idRecorder();
  const model = new ChatOpenAI({ model: 'deepseek/deepseek-v4-pro', apiKey: gw.clientKey, maxRetries: 0, timeout: 20_000, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } });
  const structured = model.withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'functionCalling' });
  expect(await structured.invoke('Where is the Château des ducs de Bretagne?')).toEqual({ city: 'Nantes' });
  expect(deepseek.last().body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'weather_query' } }, thinking: { type: 'disabled' } });
  expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, provider: 'deepseek' });
});

test('Anthropic SDK on /v1/messages, tool_choice any and tool on deepseek-v4-flash: a tool_use block', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const tools = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema as any }];
  for (const tool_choice of [{ type: 'any' }, { type: 'tool', name: 'get_weather' }] as const) {
    deepseek.handler = strictDeepSeek('get_weather', { city: 'Paris' });
    const { data, response } = await client.messages
      .create({ model: 'deepseek/deepseek-v4-flash', max_tokens: 512, messages: weather, tools, tool_choice })
      .withResponse();
    expect(data.stop_reason).toBe('tool_use');
    expect(data.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(deepseek.last().body.thinking).toEqual({ type: 'disabled' });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'messages', provider: 'deepseek' });
  }
});

test('deepseek-reasoner (always thinking): a forced tool is a 400 unsupported_parameter before any call; a group falls back', async () => {
  deepseek.handler = strictDeepSeek('get_weather', { city: 'Paris' });
  await expectForcedToolRefusedThenFallback(gw, deepseek, openai, 'deepseek/deepseek-reasoner', 'reasoner-first');
});
