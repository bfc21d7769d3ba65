/**
 * The Vercel AI SDK's OpenAI provider in Chat Completions mode (`provider.chat(model)`) through
 * the real gateway to a fake OpenAI upstream replaying recorded wire shapes: generateText and
 * streamText (text, usage, finish reason), a tool round trip the SDK runs itself, structured
 * output, and the log row each request left.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, Output, stepCountIs, streamText, tool } from 'ai';
import { fixtureJson, jsonResponse, readChunks, replay, replayJson, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const upstream = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('openai', `${upstream.url}/v1`) });
afterAll(() => upstream.close());

const openai = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
const model = () => openai().chat('openai/gpt-4o-mini');
/** The id of the request whose answer carried these headers. */
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async ({ city }) => ({ city, sky: city === 'Paris' ? 'sunny' : 'rain', celsius: city === 'Paris' ? 18 : 24 }),
});

/** chat.json (a recorded OpenAI answer) with another assistant text. */
function chatWithContent(content: string) {
  const body = fixtureJson('openai', 'chat.json');
  body.choices[0].message.content = content;
  return body;
}

/** text.chunks.txt (a recorded OpenAI stream) with its text deltas replaced by `parts`. */
function chunksWithContent(parts: string[]): string[] {
  const [first, , , , , finish, usage, done] = readChunks('openai', 'text.chunks.txt') as [string, ...string[]];
  const delta = JSON.parse(first);
  const deltas = parts.map((content) => JSON.stringify({ ...delta, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] }));
  return [first, ...deltas, finish!, usage!, done!];
}

describe('AI SDK chat model (POST /v1/chat/completions)', () => {
  test('generateText: text, usage and finish reason of the upstream answer; log row counts the tokens', async () => {
    upstream.handler = replayJson('openai', 'chat.json');
    const r = await generateText({ model: model(), system: 'Be brief.', prompt: 'Hello', maxRetries: 0 });
    expect(r.text).toBe('Hello! How can I help you today?');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toMatchObject({ inputTokens: 19, outputTokens: 9, totalTokens: 28 });
    expect(r.response.modelId).toBe('gpt-4o-mini-2024-07-18');

    const sent = upstream.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body.model).toBe('gpt-4o-mini');
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({
      endpoint: 'chat', provider: 'openai', stream: false, status: 200, promptTokens: 19, completionTokens: 9, error: null,
    });
  });

  test('streamText: deltas in order, usage from the final chunk, finish reason stop', async () => {
    upstream.handler = replay('openai', 'text.chunks.txt');
    const r = streamText({ model: model(), prompt: 'Hello', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const d of r.textStream) deltas.push(d);
    expect(deltas.join('')).toBe('Hello! How can I help you today?');
    expect(deltas).toContain(' can I help');
    expect(await r.finishReason).toBe('stop');
    expect(await r.usage).toMatchObject({ inputTokens: 19, outputTokens: 9, totalTokens: 28 });
    expect(upstream.last().body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({
      endpoint: 'chat', provider: 'openai', stream: true, status: 200, promptTokens: 19, completionTokens: 9, error: null,
    });
  });

  test('generateText with a tool: two parallel calls run by the SDK, their results sent back, then the answer', async () => {
    let calls = 0;
    upstream.handler = () => jsonResponse(calls++ === 0 ? fixtureJson('openai', 'tools.json') : chatWithContent('Paris: 18 °C and sunny; Tokyo: 24 °C and rain.'));
    const r = await generateText({
      model: model(),
      prompt: 'Weather in Paris and Tokyo?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(r.steps).toHaveLength(2);
    const [first, second] = r.steps as [any, any];
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls.map((c: any) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ['call_Kx9mPa2QwErT', 'get_weather', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', 'get_weather', { city: 'Tokyo' }],
    ]);
    expect(first.usage).toMatchObject({ inputTokens: 82, outputTokens: 46 });
    expect(r.text).toBe('Paris: 18 °C and sunny; Tokyo: 24 °C and rain.');
    expect(r.finishReason).toBe('stop');
    expect(r.totalUsage).toMatchObject({ inputTokens: 82 + 19, outputTokens: 46 + 9 });

    // the first request declared the tool; the second carried the calls and their results
    const [req1, req2] = upstream.requests.slice(-2) as [any, any];
    expect(req1.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
        },
      },
    ]);
    const history = req2.body.messages;
    expect(history[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_Kx9mPa2QwErT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_Lm3nQb7ZxCvB', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
      ],
    });
    expect(history.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: JSON.stringify({ city: 'Paris', sky: 'sunny', celsius: 18 }) },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: JSON.stringify({ city: 'Tokyo', sky: 'rain', celsius: 24 }) },
    ]);
    expect(await gw.waitForRow(idOf(first.response.headers))).toMatchObject({ status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(idOf(second.response.headers))).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('streamText with a tool: calls assembled from streamed argument deltas, results sent back, answer streamed', async () => {
    let calls = 0;
    upstream.handler = (_req, _rec, fake) =>
      calls++ === 0
        ? sseResponse(readChunks('openai', 'tools.chunks.txt'), { onAbort: () => fake.noteAbort() })
        : sseResponse(chunksWithContent(['Paris is sunny', ', Tokyo rainy.']));
    const r = streamText({ model: model(), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((c) => [c.toolCallId, c.input])).toEqual([
      ['call_Kx9mPa2QwErT', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', { city: 'Tokyo' }],
    ]);
    expect(parts.filter((p) => p.type === 'tool-result').map((c) => c.output.sky)).toEqual(['sunny', 'rain']);
    expect(await r.text).toBe('Paris is sunny, Tokyo rainy.');
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(upstream.last().body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual([
      'call_Kx9mPa2QwErT',
      'call_Lm3nQb7ZxCvB',
    ]);
    expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(idOf(steps[1]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  const recipe = jsonSchema<{ name: string; steps: string[] }>({
    type: 'object',
    properties: { name: { type: 'string' }, steps: { type: 'array', items: { type: 'string' } } },
    required: ['name', 'steps'],
    additionalProperties: false,
  });
  const lasagna = { name: 'Lasagna', steps: ['Layer', 'Bake'] };

  test('generateText with Output.object: response_format json_schema sent, the object parsed and validated', async () => {
    upstream.handler = () => jsonResponse(chatWithContent(JSON.stringify(lasagna)));
    const r = await generateText({ model: model(), output: Output.object({ schema: recipe, name: 'recipe' }), prompt: 'A recipe', maxRetries: 0 });
    expect(r.output).toEqual(lasagna);
    expect(upstream.last().body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'recipe', strict: true, schema: recipe.jsonSchema },
    });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('streamText with Output.object: partial objects while streaming, the whole object at the end', async () => {
    const json = JSON.stringify(lasagna);
    upstream.handler = () => sseResponse(chunksWithContent([json.slice(0, 20), json.slice(20)]));
    const r = streamText({ model: model(), output: Output.object({ schema: recipe }), prompt: 'A recipe', maxRetries: 0 });
    const partials: any[] = [];
    for await (const p of r.partialOutputStream) partials.push(p);
    expect(partials.at(0)).toMatchObject({ name: 'Lasagna' });
    expect(await r.output).toEqual(lasagna);
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });
});
