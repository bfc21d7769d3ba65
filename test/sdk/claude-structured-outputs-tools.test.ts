/**
 * Structured output beside tools and thinking on Claude, as agents ask for it: the openai SDK's
 * `chat.completions.parse` with a zod response format, a zodFunction tool and reasoning_effort
 * over two turns (the tool call, then the JSON answer), the Vercel AI SDK's generateText with
 * Output.object and a tool, and what stays refused: a model without structured outputs (Opus 4.1)
 * with tools, and a schema Claude's subset cannot hold beside tools. The fake Anthropic refuses
 * what the real one refuses about thinking and output_config.format.
 */
import { describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, Output, stepCountIs, tool } from 'ai';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { outputFormatRefusal, thinkingRefusal } from '../anthropic/fake-anthropic';
import { CITY_FACTS, CITY_FACTS_SCHEMA, CityFacts, fixtureWith, sdkClient, WeatherArgsWithUnit } from './openai-sdk-fakes';
import { useFakeProviders } from './fake-providers';

let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
const { anthropicUp } = useFakeProviders((g) => {
  gw = g;
  sdk = sdkClient(g);
});

/**
 * Claude as it answers an agent: first its thinking and the tool call (thinking-tool.json without
 * the text before the call: with a format, the text Claude writes is the JSON answer), then that answer.
 */
const toolThenJson = () => {
  let calls = 0;
  const toolTurn = fixtureWith('anthropic', 'thinking-tool.json', (j) => (j.content = j.content.filter((b: any) => b.type !== 'text')));
  anthropicUp.handler = (_req, rec) =>
    thinkingRefusal(rec.body) ?? outputFormatRefusal(rec.body) ?? jsonResponse(calls++ === 0 ? toolTurn : fixtureJson('anthropic', 'structured-output.json'));
};
const ask = [{ role: 'user' as const, content: 'Weather and facts for Paris?' }];
const weather = zodFunction({ name: 'get_weather', description: 'Current weather for a city', parameters: WeatherArgsWithUnit });

describe('openai SDK: chat.completions.parse with a zod format, a tool and reasoning_effort on Claude Sonnet 4.5', () => {
  test('turn 1 the tool call, turn 2 the parsed JSON; both went up with output_config, the tool and thinking, no forced tool', async () => {
    toolThenJson();
    const format = zodResponseFormat(CityFacts, 'city_facts');
    const first = await sdk.client.chat.completions.parse({ model: 'claude-sonnet-4-5', messages: ask, tools: [weather], reasoning_effort: 'low', response_format: format });
    const call = first.choices[0]!.message.tool_calls![0]! as any;
    expect([first.choices[0]!.finish_reason, call.function.name, call.function.parsed_arguments]).toEqual(['tool_calls', 'get_weather', { city: 'Paris', unit: 'c' }]);
    const sent = anthropicUp.last().body;
    expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema: CITY_FACTS_SCHEMA } });
    expect(sent.tools.map((t: any) => t.name)).toEqual(['get_weather']);
    expect(sent.tool_choice).toBeUndefined();
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });

    const { data, request_id } = await sdk.client.chat.completions
      .parse({
        model: 'claude-sonnet-4-5',
        messages: [...ask, first.choices[0]!.message as any, { role: 'tool', tool_call_id: call.id, content: '18°C, sunny' }],
        tools: [weather],
        reasoning_effort: 'low',
        response_format: format,
      })
      .withResponse();
    expect(data.choices[0]!.message.parsed).toEqual(CITY_FACTS);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const second = anthropicUp.last().body;
    expect(second.output_config.format.type).toBe('json_schema');
    expect(second.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: call.id });
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'chat', provider: 'anthropic', status: 200, promptTokens: 215, completionTokens: 17 });
  });

  test('Claude Opus 4.1 has no structured outputs: the same request is a 400 naming response_format, before any call', async () => {
    const before = anthropicUp.requests.length;
    const err = await apiError(
      sdk.client.chat.completions.parse({ model: 'anthropic/claude-opus-4-1', messages: ask, tools: [weather], response_format: zodResponseFormat(CityFacts, 'city_facts') }),
    );
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'response_format']);
    expect(err.message).toContain('has no structured outputs');
    expect(anthropicUp.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'chat', status: 400, promptTokens: 0 });
  });

  test("a map (z.record) beside tools: 400 unsupported_tool_schema naming the schema and where, before any call; alone it goes as the forced tool", async () => {
    const Scores = z.object({ scores: z.record(z.string(), z.number()) });
    const format = { type: 'json_schema' as const, json_schema: { name: 'scores', schema: z.toJSONSchema(Scores) as Record<string, unknown> } };
    const before = anthropicUp.requests.length;
    const err = await apiError(sdk.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: ask, tools: [weather], response_format: format }));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_tool_schema', 'response_format.json_schema.schema']);
    expect(err.message).toContain("at 'properties.scores'");
    expect(anthropicUp.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'chat', status: 400 });

    // On /v1/responses the same refusal names the Responses field.
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const viaResponses = await apiError(sdk.client.responses.create({ model: 'claude-sonnet-4-5', input: 'Scores?', tools, text: { format: { type: 'json_schema', ...format.json_schema } } }));
    expect([viaResponses.status, viaResponses.code, viaResponses.param]).toEqual([400, 'unsupported_tool_schema', 'text.format.schema']);
    expect(anthropicUp.requests.length).toBe(before);

    anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'json-output.json'));
    await sdk.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: ask, response_format: format });
    expect(anthropicUp.last().body.tool_choice).toEqual({ type: 'tool', name: 'gophergate_json_output' });
    expect(anthropicUp.last().body.output_config).toBeUndefined();
  });
});

describe('Vercel AI SDK: generateText with Output.object and a tool on Claude', () => {
  test('the tool step, then the object parsed; every call carried output_config beside the tool', async () => {
    toolThenJson();
    const model = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).chat('claude-sonnet-4-5');
    const getWeather = tool({
      description: 'Current weather for a city',
      inputSchema: jsonSchema<{ city: string; unit?: string }>({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] }),
      execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 18 }),
    });
    const r = await generateText({
      model,
      prompt: 'Weather and facts for Paris?',
      tools: { get_weather: getWeather },
      output: Output.object({ schema: CityFacts, name: 'city_facts' }),
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(r.output).toEqual(CITY_FACTS);
    expect(r.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    for (const rec of anthropicUp.requests.slice(-2)) {
      expect(rec.body.output_config.format).toMatchObject({ type: 'json_schema', schema: { type: 'object', additionalProperties: false, required: ['city', 'population_millions'] } });
      expect(rec.body.tools.map((t: any) => t.name)).toEqual(['get_weather']);
      expect(rec.body.tool_choice?.type).not.toBe('tool');
    }
    expect(anthropicUp.last().body.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' });
  });
});
