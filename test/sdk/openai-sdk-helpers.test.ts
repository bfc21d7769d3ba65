/**
 * The official `openai` SDK's chat helpers against the real gateway: `chat.completions.parse`
 * (zodResponseFormat, strict zodFunction tools), the `chat.completions.stream` helper (its
 * content and tool-argument events, finalChatCompletion, totalUsage) and `runTools` loops, each on
 * an OpenAI upstream (passed through), a DeepSeek one (OpenAI-compatible with quirks) and a Claude
 * model (translated to Anthropic Messages). Fake upstreams replay recorded wire shapes; each case
 * checks what the SDK made of the answer, what the upstream received, and the log row of every
 * request (picked by the `x-request-id` the gateway answered).
 */
import { describe, expect, test } from 'bun:test';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { anthropicSse, outputFormatRefusal } from '../anthropic/fake-anthropic';
import {
  anthropicSseWithText, anthropicToolCall, chatJsonWith, CITY_FACTS, CITY_FACTS_SCHEMA, CITY_FACTS_TEXT,
  CityFacts, inTurn, sdkClient, sseText, WeatherArgs, WeatherArgsWithUnit, type Answer,
} from './openai-sdk-fakes';

let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
const { openaiUp, deepseekUp, anthropicUp } = useFakeProviders((g) => {
  gw = g;
  sdk = sdkClient(g);
});

const json = (body: unknown): Answer => () => jsonResponse(body);
const cityFormat = () => zodResponseFormat(CityFacts, 'city_facts');
/** The `$schema` line zod's JSON schema carries, as the SDK sends it. */
const sdkSchema = (schema: object) => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema });
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const WEATHER_UNIT_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

describe('chat.completions.parse with zodResponseFormat', () => {
  test('OpenAI: the JSON content parsed; response_format reaches the upstream as sent; one row', async () => {
    openaiUp.handler = json(chatJsonWith('openai', CITY_FACTS_TEXT));
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Facts about Paris?' }], response_format: cityFormat() })
      .withResponse();
    expect(data.choices[0]!.message.parsed).toEqual(CITY_FACTS);
    expect(data.choices[0]!.message.content).toBe(CITY_FACTS_TEXT);
    expect(openaiUp.last().body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'city_facts', strict: true, schema: sdkSchema(CITY_FACTS_SCHEMA) } });
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'chat', provider: 'openai', status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test("DeepSeek: json_schema is refused with OpenAI's 400 before any upstream call (DeepSeek's JSON mode takes no schema); a 400 row", async () => {
    const before = deepseekUp.requests.length;
    const err = await apiError(
      sdk.client.chat.completions.parse({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'Facts about Paris?' }], response_format: cityFormat() }),
    );
    expect([err.status, err.code, err.param, err.type]).toEqual([400, 'unsupported_parameter', 'response_format', 'invalid_request_error']);
    expect(err.message).toContain("provider 'deepseek'");
    expect(deepseekUp.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'chat', modelRequested: 'deepseek-reasoner', status: 400, promptTokens: 0, completionTokens: 0 });
  });

  test('DeepSeek: json_object (its own JSON mode) still goes through; the SDK parses it with the tool-less parse', async () => {
    deepseekUp.handler = json(chatJsonWith('deepseek', CITY_FACTS_TEXT));
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'Facts about Paris as JSON?' }], response_format: { type: 'json_object' } })
      .withResponse();
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual(CITY_FACTS);
    expect((data.choices[0]!.message as any).reasoning_content).toBe('The user greets me.');
    expect(deepseekUp.last().body.response_format).toEqual({ type: 'json_object' });
    expect(await gw.waitForRow(request_id!)).toMatchObject({
      endpoint: 'chat', provider: 'deepseek', status: 200, promptTokens: 24, completionTokens: 58, cachedTokens: 16, reasoningTokens: 49,
    });
  });

  test("Claude: the schema goes as output_config.format (no forced tool), the answer's JSON text parsed, finish_reason stop", async () => {
    anthropicUp.handler = (_req, rec) => outputFormatRefusal(rec.body) ?? jsonResponse(fixtureJson('anthropic', 'structured-output.json'));
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Facts about Paris?' }], response_format: cityFormat() })
      .withResponse();
    expect(data.choices[0]!.message.parsed).toEqual(CITY_FACTS);
    expect(data.choices[0]!.message.content).toBe(CITY_FACTS_TEXT);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.choices[0]!.message.tool_calls ?? []).toEqual([]);
    const sent = anthropicUp.last().body;
    // zod's `$schema` line is an annotation Claude's subset leaves out; the rest goes as the SDK sent it.
    expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema: CITY_FACTS_SCHEMA } });
    expect([sent.tools, sent.tool_choice, sent.response_format]).toEqual([undefined, undefined, undefined]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'chat', provider: 'anthropic', status: 200, promptTokens: 215, completionTokens: 17 });
  });
});

describe('chat.completions.parse with a strict zodFunction tool', () => {
  test('OpenAI: both calls get parsed_arguments; the tool went up strict, unchanged', async () => {
    openaiUp.handler = json(fixtureJson('openai', 'tools.json'));
    const tool = zodFunction({ name: 'get_weather', description: 'Current weather for a city', parameters: WeatherArgs });
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [tool] })
      .withResponse();
    const calls = data.choices[0]!.message.tool_calls as any[];
    expect(calls.map((c) => [c.id, c.function.name, c.function.parsed_arguments])).toEqual([
      ['call_Kx9mPa2QwErT', 'get_weather', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', 'get_weather', { city: 'Tokyo' }],
    ]);
    expect(openaiUp.last().body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: sdkSchema(WEATHER_SCHEMA), strict: true } },
    ]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ provider: 'openai', status: 200, promptTokens: 82, completionTokens: 46 });
  });

  test('DeepSeek: both calls parsed; one row', async () => {
    deepseekUp.handler = json(fixtureJson('deepseek', 'tools.json'));
    const tool = zodFunction({ name: 'get_weather', parameters: WeatherArgs });
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [tool] })
      .withResponse();
    const calls = data.choices[0]!.message.tool_calls as any[];
    expect(calls.map((c) => c.function.parsed_arguments)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(deepseekUp.last().body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', parameters: sdkSchema(WEATHER_SCHEMA), strict: true } }]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 210, completionTokens: 64, reasoningTokens: 20 });
  });

  test('Claude: the tool_use block becomes a parsed call; the tool went up as an Anthropic tool', async () => {
    anthropicUp.handler = json(anthropicToolCall());
    const tool = zodFunction({ name: 'get_weather', description: 'Current weather for a city', parameters: WeatherArgsWithUnit });
    const { data, request_id } = await sdk.client.chat.completions
      .parse({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [tool] })
      .withResponse();
    const message = data.choices[0]!.message;
    expect(message.content).toBe('Let me check the weather.');
    expect((message.tool_calls as any[]).map((c) => [c.id, c.function.parsed_arguments])).toEqual([['toolu_01T1x1fJ34qAmk2tNTrN7Up6', { city: 'Paris', unit: 'c' }]]);
    expect(anthropicUp.last().body.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a city', input_schema: sdkSchema(WEATHER_UNIT_SCHEMA) }]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 472, completionTokens: 89 });
  });
});

/**
 * The events of a chat.completions.stream helper run, and its final state. Empty fragments are
 * left out: the SDK emits an event for the upstream's own empty ones too (OpenAI opens each call
 * with `arguments: ""`, DeepSeek ends with `content: ""`).
 */
async function runStream(stream: ReturnType<typeof sdk.client.chat.completions.stream>) {
  const deltas: string[] = [];
  const argDeltas: [number, string][] = [];
  const argsDone: { index: number; name: string; parsed: unknown }[] = [];
  stream.on('content.delta', (e) => e.delta && deltas.push(e.delta));
  stream.on('tool_calls.function.arguments.delta', (e) => e.arguments_delta && argDeltas.push([e.index, e.arguments_delta]));
  stream.on('tool_calls.function.arguments.done', (e) => argsDone.push({ index: e.index, name: e.name, parsed: e.parsed_arguments }));
  const final = await stream.finalChatCompletion();
  return { deltas, argDeltas, argsDone, final, usage: await stream.totalUsage() };
}

describe('chat.completions.stream helper', () => {
  const user = [{ role: 'user' as const, content: 'Hello' }];

  test('OpenAI: content.delta per chunk, finalChatCompletion and totalUsage; one stream row', async () => {
    openaiUp.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'));
    const r = await runStream(sdk.client.chat.completions.stream({ model: 'gpt-4o-mini', messages: user, stream_options: { include_usage: true } }));
    expect(r.deltas).toEqual(['Hello', '! How', ' can I help', ' you today?']);
    expect(r.final.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(r.final.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 });
    expect(openaiUp.last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'openai', stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('DeepSeek: the text deltas (reasoning kept apart) and usage in OpenAI convention', async () => {
    deepseekUp.handler = () => sseResponse(readChunks('deepseek', 'text.chunks.txt'));
    const r = await runStream(sdk.client.chat.completions.stream({ model: 'deepseek-reasoner', messages: user, stream_options: { include_usage: true } }));
    expect(r.deltas).toEqual(['Hello', '! How can I help?']);
    expect(r.final.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(r.final.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 58, total_tokens: 82 });
    expect(deepseekUp.last().body).toMatchObject({ model: 'deepseek-reasoner', stream: true });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'deepseek', stream: true, status: 200, promptTokens: 24, completionTokens: 58, reasoningTokens: 49 });
  });

  test('Claude: text_delta events become content.delta; usage from message_start and message_delta', async () => {
    anthropicUp.handler = () => anthropicSse('text.sse');
    const r = await runStream(sdk.client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages: user, stream_options: { include_usage: true } }));
    expect(r.deltas).toEqual(['Once upon', ' a time.']);
    expect(r.final.choices[0]!.message.content).toBe('Once upon a time.');
    expect(r.final.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });
    expect(anthropicUp.last().body).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'anthropic', stream: true, status: 200, promptTokens: 21, completionTokens: 9 });
  });

  test("Claude with zodResponseFormat: output_config.format, the JSON text streams as content, parsed at the end", async () => {
    anthropicUp.handler = (_req, rec) => outputFormatRefusal(rec.body) ?? anthropicSse('structured-output.sse');
    const stream = sdk.client.chat.completions.stream({
      model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Facts about Paris?' }], response_format: cityFormat(), stream_options: { include_usage: true },
    });
    let done: unknown;
    stream.on('content.done', (e) => (done = e.parsed));
    const r = await runStream(stream);
    expect(r.deltas).toEqual(['{"city":"Par', 'is","population_millions":2.1}']);
    expect(done).toEqual(CITY_FACTS);
    expect(r.final.choices[0]!.message.parsed).toEqual(CITY_FACTS);
    expect(r.final.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 215, completion_tokens: 17 });
    expect(anthropicUp.last().body).toMatchObject({ stream: true, output_config: { format: { type: 'json_schema', schema: CITY_FACTS_SCHEMA } } });
    expect(anthropicUp.last().body.tool_choice).toBeUndefined();
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 215, completionTokens: 17 });
  });

  describe('tool-call argument deltas, parsed by a strict zodFunction', () => {
    const weather = zodFunction({ name: 'get_weather', parameters: WeatherArgs });
    const ask = [{ role: 'user' as const, content: 'Weather in Paris and Tokyo?' }];

    test('OpenAI: each argument fragment as a delta event, both calls done and parsed', async () => {
      openaiUp.handler = () => sseResponse(readChunks('openai', 'tools.chunks.txt'));
      const r = await runStream(sdk.client.chat.completions.stream({ model: 'gpt-4o', messages: ask, tools: [weather], stream_options: { include_usage: true } }));
      expect(r.argDeltas).toEqual([[0, '{"ci'], [0, 'ty": "Paris"}'], [1, '{"city": "Tokyo"}']]);
      expect(r.argsDone).toEqual([
        { index: 0, name: 'get_weather', parsed: { city: 'Paris' } },
        { index: 1, name: 'get_weather', parsed: { city: 'Tokyo' } },
      ]);
      expect(r.final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(r.final.choices[0]!.message.tool_calls!.map((c: any) => c.id)).toEqual(['call_Kx9mPa2QwErT', 'call_Lm3nQb7ZxCvB']);
      expect(r.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 46 });
      expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'openai', stream: true, promptTokens: 82, completionTokens: 46 });
    });

    test('DeepSeek: both calls streamed and parsed; usage from the finish chunk', async () => {
      deepseekUp.handler = () => sseResponse(readChunks('deepseek', 'tools.chunks.txt'));
      const r = await runStream(sdk.client.chat.completions.stream({ model: 'deepseek-chat', messages: ask, tools: [weather], stream_options: { include_usage: true } }));
      expect(r.argDeltas).toEqual([[0, '{"city": "Paris"}'], [1, '{"city": "Tokyo"}']]);
      expect(r.argsDone.map((d) => d.parsed)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
      expect(r.final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(r.usage).toMatchObject({ prompt_tokens: 210, completion_tokens: 40 });
      expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'deepseek', stream: true, promptTokens: 210, completionTokens: 40, cachedTokens: 192 });
    });

    test('Claude: input_json_delta fragments become argument deltas of one parsed call', async () => {
      anthropicUp.handler = () => anthropicSse('thinking-tool.sse');
      const tool = zodFunction({ name: 'get_weather', parameters: WeatherArgsWithUnit });
      const r = await runStream(sdk.client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages: ask, tools: [tool], stream_options: { include_usage: true } }));
      expect(r.argDeltas.map(([, d]) => d).join('')).toBe('{"city": "Paris", "unit": "c"}');
      expect(r.argsDone).toEqual([{ index: 0, name: 'get_weather', parsed: { city: 'Paris', unit: 'c' } }]);
      expect(r.deltas.join('')).toBe('Let me check the weather.');
      expect(r.final.choices[0]!.finish_reason).toBe('tool_calls');
      expect(r.final.choices[0]!.message.tool_calls![0]!.id).toBe('toolu_01T1x1fJ34qAmk2tNTrN7Up6');
      expect(r.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
      expect(anthropicUp.last().body.tools).toEqual([{ name: 'get_weather', input_schema: sdkSchema(WEATHER_UNIT_SCHEMA) }]);
      expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 472, completionTokens: 89 });
    });
  });
});

describe('chat.completions.runTools: a two-step tool loop', () => {
  const forecasts: Record<string, string> = { Paris: '18°C, sunny', Tokyo: '24°C, rain' };
  const weatherTool = () => ({
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      function: ({ city }: { city: string }) => forecasts[city] ?? 'unknown',
      parse: JSON.parse,
    },
  });

  test('OpenAI: the calls run, their results go back by call id, the final text and summed usage; two rows', async () => {
    const finalText = 'Paris: 18°C and sunny. Tokyo: 24°C with rain.';
    openaiUp.handler = inTurn(json(fixtureJson('openai', 'tools.json')), json(chatJsonWith('openai', finalText)));
    const mark = sdk.ids.ids.length;
    const runner = sdk.client.chat.completions.runTools({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weatherTool()] });
    expect(await runner.finalContent()).toBe(finalText);
    expect(await runner.totalUsage()).toMatchObject({ prompt_tokens: 82 + 19, completion_tokens: 46 + 9, total_tokens: 128 + 28 });
    expect(openaiUp.last().body.messages.slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: '24°C, rain' },
    ]);
    const [first, second] = sdk.ids.since(mark, 2);
    expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'openai', status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'openai', status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('DeepSeek (thinking mode): the assistant turn goes back with its reasoning_content; two rows', async () => {
    deepseekUp.handler = inTurn(json(fixtureJson('deepseek', 'tools.json')), json(fixtureJson('deepseek', 'chat.json')));
    const mark = sdk.ids.ids.length;
    const runner = sdk.client.chat.completions.runTools({
      model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weatherTool()],
    });
    expect(await runner.finalContent()).toBe('Hello! How can I help?');
    expect(await runner.totalUsage()).toMatchObject({ prompt_tokens: 210 + 24, completion_tokens: 64 + 58 });
    const sent = deepseekUp.last().body.messages;
    expect(sent.find((m: any) => m.role === 'assistant')).toMatchObject({
      reasoning_content: 'I need the weather for both cities, so I call the tool twice.',
      tool_calls: [{ id: 'call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b' }, { id: 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c' }],
    });
    expect(sent.filter((m: any) => m.role === 'tool').map((m: any) => m.content)).toEqual(['18°C, sunny', '24°C, rain']);
    const [first, second] = sdk.ids.since(mark, 2);
    expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 210, completionTokens: 64 });
    expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 24, completionTokens: 58 });
  });

  test('Claude: the tool_use result goes back as a tool_result block; two rows', async () => {
    anthropicUp.handler = inTurn(json(anthropicToolCall()), json(fixtureJson('anthropic', 'after-tool.json')));
    const mark = sdk.ids.ids.length;
    const runner = sdk.client.chat.completions.runTools({
      model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool()],
    });
    expect(await runner.finalContent()).toBe('It is 18 °C and sunny in Paris.');
    expect(await runner.totalUsage()).toMatchObject({ prompt_tokens: 472 + 640, completion_tokens: 89 + 15 });
    expect(anthropicUp.last().body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }] },
    ]);
    const [first, second] = sdk.ids.since(mark, 2);
    expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 640, completionTokens: 15 });
  });

  test('streamed, Claude: the loop runs on streams; text deltas of the last turn, usage summed', async () => {
    anthropicUp.handler = inTurn(() => anthropicSse('thinking-tool.sse'), () => sseText(anthropicSseWithText(['It is 18 °C', ' and sunny.'])));
    const mark = sdk.ids.ids.length;
    const runner = sdk.client.chat.completions.runTools({
      model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool()], stream: true, stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    runner.on('content', (d) => deltas.push(d));
    expect(await runner.finalContent()).toBe('It is 18 °C and sunny.');
    expect(deltas).toEqual(['Let me check the weather.', 'It is 18 °C', ' and sunny.']);
    expect(await runner.totalUsage()).toMatchObject({ prompt_tokens: 472 + 21, completion_tokens: 89 + 9 });
    expect(anthropicUp.last().body.messages.at(-1)).toEqual({
      role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }],
    });
    const [first, second] = sdk.ids.since(mark, 2);
    expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 21, completionTokens: 9 });
  });
});

