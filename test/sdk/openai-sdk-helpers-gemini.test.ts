/**
 * The official `openai` SDK's chat helpers on a Gemini model (translated to generateContent):
 * `chat.completions.parse` with zodResponseFormat, the `chat.completions.stream` helper's
 * tool-argument events with a strict zodFunction, and a streamed `runTools` loop whose second
 * turn carries the calls (thought signature kept) and their results back. The OpenAI, DeepSeek and
 * Claude cases are in openai-sdk-helpers.test.ts.
 */
import { expect, test } from 'bun:test';
import { z } from 'zod';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { CITY_FACTS, CITY_FACTS_TEXT, CityFacts, fixtureWith, inTurn, sdkClient } from './openai-sdk-fakes';

let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
const { geminiUp } = useFakeProviders((g) => {
  gw = g;
  sdk = sdkClient(g);
}, { gemini: true });

/** Gemini's recorded `text.json` answering `text` alone (no thought part). */
const geminiText = (text: string) => fixtureWith('gemini', 'text.json', (j) => (j.candidates[0].content.parts = [{ text }]));
const WeatherWithUnit = z.object({ city: z.string(), unit: z.string() });
const weatherTool = () => ({
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    function: ({ city }: { city: string }) => `sunny in ${city}`,
    parse: JSON.parse,
  },
});

test('parse with zodResponseFormat: the schema goes up as responseJsonSchema, the JSON text comes back parsed; one row', async () => {
  geminiUp.handler = () => jsonResponse(geminiText(CITY_FACTS_TEXT));
  const { data, request_id } = await sdk.client.chat.completions
    .parse({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Facts about Paris?' }], response_format: zodResponseFormat(CityFacts, 'city_facts') })
    .withResponse();
  expect(data.choices[0]!.message.parsed).toEqual(CITY_FACTS);
  expect(geminiUp.last().body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: { required: ['city', 'population_millions'] } });
  expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'chat', provider: 'gemini', status: 200, promptTokens: 1050 });
});

test('stream helper: both streamed calls end in arguments.done with parsed_arguments; finalChatCompletion finishes as tool_calls', async () => {
  geminiUp.handler = () => sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt'));
  const stream = sdk.client.chat.completions.stream({
    model: 'gemini/gemini-3-pro-preview', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
    tools: [zodFunction({ name: 'get_weather', parameters: WeatherWithUnit })], stream_options: { include_usage: true },
  });
  const done: unknown[] = [];
  stream.on('tool_calls.function.arguments.done', (e) => done.push([e.index, e.parsed_arguments]));
  const final = await stream.finalChatCompletion();
  expect(done).toEqual([[0, { city: 'Paris', unit: 'celsius' }], [1, { city: 'Tokyo', unit: 'celsius' }]]);
  expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  expect(final.usage).toMatchObject({ prompt_tokens: 61, completion_tokens: 276, completion_tokens_details: { reasoning_tokens: 240 } });
  expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'gemini', stream: true, status: 200, promptTokens: 61, completionTokens: 276 });
});

test('streamed runTools: the second turn carries both calls (the signature on the first) and both results; two rows', async () => {
  geminiUp.handler = inTurn(() => sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt')), () => sseResponse(readChunks('gemini', 'text.chunks.txt')));
  const mark = sdk.ids.ids.length;
  const runner = sdk.client.chat.completions.runTools({
    model: 'gemini/gemini-3-pro-preview', stream: true, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
    tools: [weatherTool()],
  });
  expect(await runner.finalContent()).toBe('There are **3** letter "r"s in "strawberry": st**r**awbe**rr**y — ünïcödé ✓.');
  const [, model, results] = geminiUp.last().body.contents;
  expect(model.parts.map((p: any) => [p.functionCall.args.city, typeof p.thoughtSignature])).toEqual([['Paris', 'string'], ['Tokyo', 'undefined']]);
  expect(results.parts.map((p: any) => p.functionResponse.response)).toEqual([{ result: 'sunny in Paris' }, { result: 'sunny in Tokyo' }]);
  const [first, second] = sdk.ids.since(mark, 2);
  expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'gemini', stream: true, status: 200 });
  expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'gemini', stream: true, status: 200 });
});
