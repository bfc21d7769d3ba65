/**
 * Kimi in thinking mode (kimi-k2.6 by default, kimi-k2-thinking always) refuses a forced tool call
 * with its 400 "tool_choice 'required' is incompatible with thinking enabled" ('specified' for a
 * named function: can1357/oh-my-pi#827, AstrBotDevs/AstrBot#7805), which is what LangChain's
 * withStructuredOutput, an AI SDK agent's forced first step and Anthropic's tool_choice any/tool on
 * /v1/messages send. The fake Kimi refuses as the real one does; the gateway sends such a request to
 * K2.5 and later with `thinking: {type: "disabled"}` (the call is what the client is after), and
 * refuses it for kimi-k2-thinking (always thinking) before the call, so a group falls back. Through
 * the official OpenAI and Anthropic SDKs, LangChain and the AI SDK; rows by x-request-id.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { ChatOpenAI } from '@langchain/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureWith, idRecorder, weatherSchema, weatherTool } from './langchain-helpers';
import { expectForcedToolRefusedThenFallback } from './forced-tool-refusal';

const kimi = startFakeUpstream();
const openai = startFakeUpstream();
let gw: TestGateway;
useGateway(
  (g) => {
    gw = g;
    g.ctx.db.insert(modelGroups).values({ name: 'kimi-thinking-first', strategy: 'heuristic', targets: ['moonshot/kimi-k2-thinking', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
    g.ctx.state.reload();
  },
  { env: { ...providerEnv('moonshot', `${kimi.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) } },
);
afterAll(() => {
  kimi.close();
  openai.close();
});

/** Whether Kimi answers `b` in thinking mode (its documented defaults). */
const thinks = (b: any) => /thinking/.test(b.model) || (b.thinking?.type ?? (/^kimi-k2\.\d/.test(b.model) ? 'enabled' : 'disabled')) === 'enabled';
const refusal = (message: string) => jsonResponse({ error: { message, type: 'invalid_request_error' } }, 400);

/**
 * Kimi as it behaves: in thinking mode a forced tool_choice is its 400, and so is an assistant
 * tool-call turn without reasoning_content; a turn after tool results gets its text answer, a
 * first turn one call of `name` (with reasoning when thinking).
 */
function strictKimi(name: string, args: object) {
  return (_req: Request, r: RecordedRequest) => {
    const b = r.body;
    if (thinks(b) && (b.tool_choice === 'required' || typeof b.tool_choice === 'object')) {
      return refusal(`tool_choice '${b.tool_choice === 'required' ? 'required' : 'specified'}' is incompatible with thinking enabled`);
    }
    const missing = b.messages.findIndex((m: any) => m.role === 'assistant' && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== 'string');
    if (thinks(b) && missing >= 0) return refusal(`thinking is enabled but reasoning_content is missing in assistant tool call message at index ${missing}`);
    if (b.messages.some((m: any) => m.role === 'tool')) return jsonResponse(fixtureWith('moonshot', 'chat.json', (j) => (j.model = b.model)));
    return jsonResponse(
      fixtureWith('moonshot', 'tools.json', (j) => {
        j.model = b.model;
        const message = j.choices[0].message;
        message.tool_calls = [{ index: 0, id: `${name}:0`, type: 'function', function: { name, arguments: JSON.stringify(args) } }];
        if (thinks(b)) message.reasoning_content = 'The user wants the weather.';
      }),
    );
  };
}

const weather = [{ role: 'user' as const, content: 'Weather in Paris?' }];

test('OpenAI SDK, kimi-k2.6: a required or named tool_choice goes with thinking disabled, the call comes back; tool_choice auto keeps thinking', async () => {
  for (const tool_choice of ['required', { type: 'function', function: { name: 'get_weather' } }] as const) {
    kimi.handler = strictKimi('get_weather', { city: 'Paris' });
    const { data, response } = await gw
      .openai()
      .chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: weather, tools: [weatherTool], tool_choice })
      .withResponse();
    expect(data.choices[0]!.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(kimi.last().body).toMatchObject({ thinking: { type: 'disabled' }, tool_choice });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'moonshot', model: 'kimi-k2.6', promptTokens: 96, completionTokens: 38 });
  }
  // Not forced: Kimi's own default (thinking) is left alone.
  await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: weather, tools: [weatherTool], tool_choice: 'auto' });
  expect(kimi.last().body.thinking).toBeUndefined();
});

test('LangChain withStructuredOutput (functionCalling) on kimi-k2.6: the parsed object', async () => {
  kimi.handler = strictKimi('weather_query', { city: 'Nantes' });
  const rec = idRecorder();
  const model = new ChatOpenAI({ model: 'moonshot/kimi-k2.6', apiKey: gw.clientKey, maxRetries: 0, timeout: 20_000, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } });
  const structured = model.withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'functionCalling' });
  expect(await structured.invoke('Where is the Château des ducs de Bretagne?')).toEqual({ city: 'Nantes' });
  expect(kimi.last().body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'weather_query' } }, thinking: { type: 'disabled' } });
  expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, provider: 'moonshot' });
});

test('Anthropic SDK on /v1/messages, tool_choice any and tool on kimi-k2.6: a tool_use block', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const tools = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema as any }];
  for (const tool_choice of [{ type: 'any' }, { type: 'tool', name: 'get_weather' }] as const) {
    kimi.handler = strictKimi('get_weather', { city: 'Paris' });
    const { data, response } = await client.messages.create({ model: 'moonshot/kimi-k2.6', max_tokens: 512, messages: weather, tools, tool_choice }).withResponse();
    expect(data.stop_reason).toBe('tool_use');
    expect(data.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(kimi.last().body.thinking).toEqual({ type: 'disabled' });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'messages', provider: 'moonshot' });
  }
});

test("AI SDK agent, forced first step then auto: the forced turn goes without thinking, the next (thinking) turn carries it back empty; two rows", async () => {
  kimi.handler = strictKimi('get_weather', { city: 'Paris' });
  const rec = idRecorder();
  // A key of its own: Kimi's call ids repeat, and the reasoning remembered for another case's `get_weather:0` is per key.
  const { key } = gw.addClient(`kimi-agent-${crypto.randomUUID()}`);
  const provider = createOpenAICompatible({ name: 'gateway', baseURL: `${gw.url}/v1`, apiKey: key, fetch: rec.fetch });
  const get_weather = tool({
    description: 'Current weather for a city',
    inputSchema: jsonSchema<{ city: string }>(weatherSchema as any),
    execute: async ({ city }) => ({ city, sky: 'sunny' }),
  });
  const mark = rec.ids.length;
  const result = await generateText({
    model: provider.chatModel('moonshot/kimi-k2.6'),
    prompt: 'Weather in Paris?',
    tools: { get_weather },
    stopWhen: stepCountIs(3),
    prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? 'required' : 'auto' }),
  });
  expect(result.steps[0]!.toolCalls.map((c) => c.input)).toEqual([{ city: 'Paris' }]);
  expect(result.text).toBe(fixtureJson('moonshot', 'chat.json').choices[0].message.content);
  const [first, second] = kimi.requests.slice(-2).map((r) => r.body);
  expect(first).toMatchObject({ tool_choice: 'required', thinking: { type: 'disabled' } });
  expect(second.thinking).toBeUndefined();
  expect(second.messages.find((m: any) => m.role === 'assistant')).toMatchObject({ reasoning_content: '', tool_calls: [{ id: 'get_weather:0' }] });
  const [id1, id2] = rec.since(mark, 2);
  expect(await gw.waitForRow(id1!)).toMatchObject({ status: 200, provider: 'moonshot', promptTokens: 96, completionTokens: 38 });
  expect(await gw.waitForRow(id2!)).toMatchObject({ status: 200, provider: 'moonshot', promptTokens: 19, completionTokens: 13 });
});

test('kimi-k2-thinking (always thinking): a forced tool is a 400 unsupported_parameter before any call; a group falls back', async () => {
  kimi.handler = strictKimi('get_weather', { city: 'Paris' });
  await expectForcedToolRefusedThenFallback(gw, kimi, openai, 'moonshot/kimi-k2-thinking', 'kimi-thinking-first');
});
