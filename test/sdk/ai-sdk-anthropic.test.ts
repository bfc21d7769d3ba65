/**
 * The Vercel AI SDK's Anthropic provider (@ai-sdk/anthropic) pointed at the gateway's `/v1`, so it
 * speaks POST /v1/messages: to the `anthropic` provider (a fake Anthropic upstream replaying
 * recorded wire shapes, passed through) and to an OpenAI-compatible one (a fake OpenAI upstream,
 * translated through chat). Streaming and not, a tool loop the SDK runs itself, and the log row
 * each request left.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';

// The SDK warns that it does not know `openai/gpt-4o-mini`'s output limit: expected here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const anthropicUp = startFakeUpstream();
const openaiUp = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropicUp.url, ...providerEnv('openai', `${openaiUp.url}/v1`) },
});
afterAll(() => {
  anthropicUp.close();
  openaiUp.close();
});

const anthropic = () => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const weatherSchema = jsonSchema<{ city: string; unit?: string }>({
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
  required: ['city'],
});
const weather = tool({
  description: 'Current weather for a city',
  inputSchema: weatherSchema,
  execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 18 }),
});

/** Answers each upstream call with the next reply. */
function inTurn(...replies: (() => Response)[]) {
  return () => replies.shift()?.() ?? jsonResponse({ error: { message: 'no reply queued' } }, 500);
}

describe('AI SDK Anthropic provider, Anthropic upstream (pass-through)', () => {
  test('generateText: text, usage and finish reason of the upstream message; log row', async () => {
    anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'text.json'));
    const r = await generateText({ model: anthropic()('claude-sonnet-4-5'), system: 'Be brief.', prompt: 'What is 2 + 2?', maxRetries: 0 });
    expect(r.text).toBe('2 + 2 = 4.');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toMatchObject({ inputTokens: 21, outputTokens: 12 });
    const sent = anthropicUp.last();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test-0123456789');
    expect(sent.body).toMatchObject({ model: 'claude-sonnet-4-5', system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }] });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({
      endpoint: 'messages', provider: 'anthropic', stream: false, status: 200, promptTokens: 21, completionTokens: 12, error: null,
    });
  });

  test('streamText: text deltas relayed, usage from message_start and message_delta', async () => {
    anthropicUp.handler = () => anthropicSse('text.sse');
    const r = streamText({ model: anthropic()('claude-sonnet-4-5'), prompt: 'Tell a story', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const d of r.textStream) deltas.push(d);
    expect(deltas).toEqual(['Once upon', ' a time.']);
    expect(await r.finishReason).toBe('stop');
    expect(await r.usage).toMatchObject({ inputTokens: 21, outputTokens: 9 });
    expect(anthropicUp.last().body.stream).toBe(true);
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ stream: true, status: 200, promptTokens: 21, completionTokens: 9 });
  });

  test('generateText with a tool: thinking, text and the call; the signed thinking and the result go back', async () => {
    anthropicUp.handler = inTurn(() => jsonResponse(fixtureJson('anthropic', 'thinking-tool.json')), () => jsonResponse(fixtureJson('anthropic', 'after-tool.json')));
    const r = await generateText({ model: anthropic()('claude-sonnet-4-5'), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const [first, second] = r.steps as [any, any];
    expect(first.finishReason).toBe('tool-calls');
    expect(first.reasoningText).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(first.toolCalls.map((c: any) => [c.toolCallId, c.input])).toEqual([['toolu_01T1x1fJ34qAmk2tNTrN7Up6', { city: 'Paris', unit: 'c' }]]);
    expect(r.text).toBe('It is 18 °C and sunny in Paris.');
    expect(r.totalUsage).toMatchObject({ inputTokens: 472 + 640, outputTokens: 89 + 15 });

    const [, assistant, toolTurn] = anthropicUp.last().body.messages;
    expect(assistant.content.map((b: any) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(assistant.content[0].signature).toBe(fixtureJson('anthropic', 'thinking-tool.json').content[0].signature);
    expect(toolTurn).toMatchObject({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: JSON.stringify({ city: 'Paris', sky: 'sunny', celsius: 18 }) }],
    });
    expect(await gw.waitForRow(idOf(first.response.headers))).toMatchObject({ status: 200, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(idOf(second.response.headers))).toMatchObject({ status: 200, promptTokens: 640, completionTokens: 15 });
  });

  test('streamText with a tool: the call assembled from input_json deltas, then the streamed answer', async () => {
    anthropicUp.handler = inTurn(() => anthropicSse('thinking-tool.sse'), () => anthropicSse('text.sse'));
    const r = streamText({ model: anthropic()('claude-sonnet-4-5'), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((c) => c.input)).toEqual([{ city: 'Paris', unit: 'c' }]);
    expect(await r.text).toBe('Once upon a time.');
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(steps[0]!.reasoningText).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(anthropicUp.last().body.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' });
    expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 472, completionTokens: 89 });
  });
});

describe('AI SDK Anthropic provider, OpenAI upstream (translated through chat)', () => {
  const model = () => anthropic()('openai/gpt-4o-mini');

  test('generateText: the chat answer as an Anthropic message; usage and log row', async () => {
    openaiUp.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
    const r = await generateText({ model: model(), system: 'Be brief.', prompt: 'Hello', maxOutputTokens: 100, maxRetries: 0 });
    expect(r.text).toBe('Hello! How can I help you today?');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toMatchObject({ inputTokens: 19, outputTokens: 9 });
    expect(openaiUp.last().path).toBe('/v1/chat/completions');
    expect(openaiUp.last().body).toMatchObject({
      model: 'gpt-4o-mini',
      max_completion_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ endpoint: 'messages', provider: 'openai', stream: false, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('streamText: chat chunks become Anthropic events the SDK reads', async () => {
    openaiUp.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'));
    const r = streamText({ model: model(), prompt: 'Hello', maxRetries: 0 });
    expect(await r.text).toBe('Hello! How can I help you today?');
    expect(await r.finishReason).toBe('stop');
    expect(await r.usage).toMatchObject({ inputTokens: 19, outputTokens: 9 });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('generateText with a tool: parallel chat tool calls as tool_use blocks, results back as tool messages', async () => {
    openaiUp.handler = inTurn(() => jsonResponse(fixtureJson('openai', 'tools.json')), () => jsonResponse(fixtureJson('openai', 'chat.json')));
    const r = await generateText({ model: model(), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const [first, second] = r.steps as [any, any];
    expect(first.toolCalls.map((c: any) => [c.toolCallId, c.input])).toEqual([
      ['call_Kx9mPa2QwErT', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', { city: 'Tokyo' }],
    ]);
    expect(r.text).toBe('Hello! How can I help you today?');
    const sent = openaiUp.last().body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema.jsonSchema } }]);
    expect(sent.messages.filter((m: any) => m.role === 'tool')).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: JSON.stringify({ city: 'Paris', sky: 'sunny', celsius: 18 }) },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: JSON.stringify({ city: 'Tokyo', sky: 'sunny', celsius: 18 }) },
    ]);
    expect(await gw.waitForRow(idOf(first.response.headers))).toMatchObject({ status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(idOf(second.response.headers))).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('streamText with a tool: streamed argument deltas become input_json deltas the SDK assembles', async () => {
    openaiUp.handler = inTurn(() => sseResponse(readChunks('openai', 'tools.chunks.txt')), () => sseResponse(readChunks('openai', 'text.chunks.txt')));
    const r = streamText({ model: model(), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((c) => [c.toolCallId, c.input])).toEqual([
      ['call_Kx9mPa2QwErT', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', { city: 'Tokyo' }],
    ]);
    expect(await r.text).toBe('Hello! How can I help you today?');
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 82, completionTokens: 46 });
  });
});

