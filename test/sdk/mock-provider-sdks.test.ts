/**
 * The mock provider as a new user first tries it (README's Quick start: no provider key, model
 * `mock/echo`) with the SDKs' structured-output and tool helpers: they parse what they get, so
 * the mock must answer a `json_schema` with JSON of that schema and call the tools it is offered.
 * Each SDK talks to the real gateway over HTTP; the rows are found by their `x-request-id`.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { ChatOpenAI } from '@langchain/openai';
import type { AIMessageChunk } from '@langchain/core/messages';
import { z } from 'zod';
import { useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder } from './langchain-helpers';
import { schemaExample } from '../../src/providers/mock/schema-example';

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const Weather = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.number().int().min(1), alerts: z.array(z.string()).nullable() });
const weatherParams = z.toJSONSchema(Weather) as Record<string, unknown>;
const chatTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherParams } };

describe('OpenAI SDK on mock/echo', () => {
  test('chat.completions.parse with zodResponseFormat: a JSON value of the schema, parsed', async () => {
    const { data, response } = await gw
      .openai()
      .chat.completions.parse({ model: 'mock/echo', messages: [{ role: 'user', content: 'Paris?' }], response_format: zodResponseFormat(Weather, 'weather') })
      .withResponse();
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.choices[0]!.message.parsed).toEqual({ city: 'Paris?', unit: 'celsius', days: 1, alerts: ['Paris?'] });
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'mock', status: 200, endpoint: 'chat' });
  });

  test('a streamed tool call (runTools) round trip: the tool runs, the next turn echoes its result', async () => {
    const ran: unknown[] = [];
    const runner = gw.openai().chat.completions.runTools({
      model: 'mock/echo',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherParams, function: (args: object) => (ran.push(args), 'sunny'), parse: (s: string): object => JSON.parse(s) } }],
    });
    const final = await runner.finalChatCompletion();
    expect(ran).toEqual([{ city: 'Weather in Paris?', unit: 'celsius', days: 1, alerts: ['Weather in Paris?'] }]);
    expect(final.choices[0]!.message.content).toBe('echo: sunny');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test('responses.parse with zodTextFormat (bridged through chat)', async () => {
    const res = await gw.openai().responses.parse({ model: 'mock/echo', input: 'Oslo', text: { format: zodTextFormat(Weather, 'weather') } });
    expect(res.output_parsed).toEqual({ city: 'Oslo', unit: 'celsius', days: 1, alerts: ['Oslo'] });
  });

  test("tool_choice 'none' keeps the echo", async () => {
    const none = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], tools: [chatTool], tool_choice: 'none' });
    expect(none.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'echo: hi' } });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
  });
});

describe('Vercel AI SDK on mock/echo', () => {
  const compatible = () => createOpenAICompatible({ name: 'gophergate', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, includeUsage: true, supportsStructuredOutputs: true });
  const weather = tool({ description: 'Weather for a city', inputSchema: Weather, execute: async ({ city }) => `${city}: sunny` });

  test('@ai-sdk/openai-compatible streamText tool loop: the call, then the answer, usage in the stream', async () => {
    const result = streamText({ model: compatible().chatModel('mock/echo'), prompt: 'Lima', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const steps = await result.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(steps[0]!.toolCalls.map((c) => c.input)).toEqual([{ city: 'Lima', unit: 'celsius', days: 1, alerts: ['Lima'] }]);
    expect(await result.text).toBe('echo: Lima: sunny');
    for (const s of steps) expect(s.usage.outputTokens).toBeGreaterThan(0);
  });

  for (const [name, model] of [
    ['@ai-sdk/openai-compatible', () => compatible().chatModel('mock/echo')],
    ['@ai-sdk/openai (responses)', () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).responses('mock/echo')],
  ] as const) {
    test(`${name} generateText with Output.object`, async () => {
      const { output, finishReason } = await generateText({ model: model(), prompt: 'Rome', output: Output.object({ schema: Weather }), maxRetries: 0 });
      expect(finishReason).toBe('stop');
      expect(output).toEqual({ city: 'Rome', unit: 'celsius', days: 1, alerts: ['Rome'] });
    });
  }
});

describe('LangChain ChatOpenAI on mock/echo', () => {
  const rec = idRecorder();
  const chat = () => new ChatOpenAI({ model: 'mock/echo', apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } });

  for (const method of ['jsonSchema', 'functionCalling'] as const) {
    test(`withStructuredOutput (${method})`, async () => {
      const out = await chat().withStructuredOutput(Weather, { name: 'get_weather', method }).invoke('Kyiv');
      expect(out).toEqual({ city: 'Kyiv', unit: 'celsius', days: 1, alerts: ['Kyiv'] });
      expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'mock', status: 200 });
    });
  }

  test('bindTools streamed: one whole tool call', async () => {
    let message: AIMessageChunk | undefined;
    for await (const c of await chat().bindTools([chatTool]).stream('Quito')) message = message ? message.concat(c) : c;
    expect(message!.tool_calls!.map((c) => [c.name, c.args])).toEqual([['get_weather', { city: 'Quito', unit: 'celsius', days: 1, alerts: ['Quito'] }]]);
    expect(message!.invalid_tool_calls).toEqual([]);
  });
});

test('Anthropic SDK on mock/echo: offered tools are called (stop_reason tool_use), output_config JSON is parsed', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const msg = await client.messages.stream({
    model: 'mock/echo', max_tokens: 100, messages: [{ role: 'user', content: 'Cairo' }],
    tools: [{ name: 'get_weather', input_schema: weatherParams as Anthropic.Tool.InputSchema }],
  }).finalMessage();
  expect(msg.stop_reason).toBe('tool_use');
  expect(msg.content).toMatchObject([{ type: 'tool_use', name: 'get_weather', input: { city: 'Cairo', unit: 'celsius', days: 1, alerts: ['Cairo'] } }]);
  const json = await client.messages.create({
    model: 'mock/echo', max_tokens: 100, messages: [{ role: 'user', content: 'Cairo' }],
    output_config: { format: { type: 'json_schema', schema: weatherParams } },
  } as Anthropic.MessageCreateParamsNonStreaming);
  expect(JSON.parse((json.content[0] as Anthropic.TextBlock).text)).toEqual({ city: 'Cairo', unit: 'celsius', days: 1, alerts: ['Cairo'] });
});

test('schemaExample: a value of each schema form the SDK helpers generate', () => {
  const cases: [unknown, unknown][] = [
    [{ type: 'string', minLength: 6, maxLength: 8 }, 'hi....'],
    [{ type: 'string', format: 'email' }, 'echo@example.com'],
    [{ type: ['integer', 'null'], minimum: 2.5 }, 3],
    [{ anyOf: [{ $ref: '#/$defs/n' }, { type: 'null' }], $defs: { n: { const: 7 } } }, 7],
    [{ type: 'array', items: { type: 'boolean' }, minItems: 2 }, [false, false]],
    [{ type: 'object', properties: { self: { $ref: '#' } } }, { self: { self: { self: { self: { self: null } } } } }],
  ];
  for (const [schema, value] of cases) expect(schemaExample(schema, 'hi')).toEqual(value);
});

test('schemaExample on a hostile schema stays bounded: huge minItems / minLength, every property referring back to the root', () => {
  expect((schemaExample({ type: 'array', items: { type: 'integer' }, minItems: 1e9 }, 'hi') as unknown[]).length).toBe(100);
  expect((schemaExample({ type: 'string', minLength: 1e9 }, 'hi') as string).length).toBe(10_000);
  // 10 properties, each the whole schema again: 10^9 values at depth 8 if nothing bounds them.
  const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { $ref: '#' }])) };
  const size = JSON.stringify(schemaExample(wide, 'hi')).length;
  expect(size).toBeGreaterThan(0);
  expect(size).toBeLessThan(1_000_000);
});
