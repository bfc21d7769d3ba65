/**
 * LangChain JS's `ChatOpenAI` over /v1/chat/completions against the real gateway, on an OpenAI
 * model (passed through) and on a Claude model (translated to Anthropic Messages), with fake
 * upstreams replaying recorded wire shapes. Each case checks what LangChain made of the answer,
 * what the gateway sent upstream, and the log row of the call (picked by its `x-request-id`).
 */
import { describe, expect, test } from 'bun:test';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ContextOverflowError } from '@langchain/core/errors';
import { fixtureJson, jsonResponse, readChunks } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { fixtureWith, weatherSchema, weatherTool } from './langchain-helpers';
import { chatAnswer, collect, lcError, useLangChainOpenAIRig, type Answer } from './langchain-openai-rig';

let gw: TestGateway;
const { openai, anthropic, answer, rec, chat } = useLangChainOpenAIRig((g) => void (gw = g));

const TEXT = 'Hello! How can I help you today?';

describe('ChatOpenAI over /v1/chat/completions', () => {
  test('invoke: the upstream text and usage_metadata; the upstream got the model and message; one row', async () => {
    answer.openai = chatAnswer(fixtureJson('openai', 'chat.json'), []);
    const reply = await chat({ temperature: 0.2 }).invoke([new HumanMessage('Hello')]);
    expect(reply.content).toBe(TEXT);
    expect(reply.id).toBe('chatcmpl-CGx3NonStr3amAbCdEfGhIjKlMn');
    expect(reply.response_metadata).toMatchObject({ finish_reason: 'stop', model_name: 'gpt-4o-mini-2024-07-18' });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 9, total_tokens: 28 });
    const sent = openai.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'user', content: 'Hello' }] });
    expect(sent.body.stream).toBeFalsy();
    expect(await gw.waitForRow(rec.last())).toMatchObject({
      endpoint: 'chat', provider: 'openai', model: 'gpt-4o-mini', stream: false, status: 200, promptTokens: 19, completionTokens: 9, estimated: false,
    });
  });

  test('stream with streamUsage: the text in chunks, usage_metadata from the usage chunk; the row has the same counts', async () => {
    answer.openai = chatAnswer(null, readChunks('openai', 'text.chunks.txt'));
    const { message, chunks } = await collect(await chat({ streamUsage: true }).stream('Hello'));
    expect(message.content).toBe(TEXT);
    expect(chunks).toBeGreaterThan(4);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 9, total_tokens: 28 });
    expect(openai.last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('stream with streamUsage off: no usage_metadata for the client, the row still counts the upstream usage', async () => {
    answer.openai = chatAnswer(null, readChunks('openai', 'text.chunks.txt'));
    const { message } = await collect(await chat({ streamUsage: false }).stream('Hello'));
    expect(message.content).toBe(TEXT);
    expect(message.usage_metadata).toBeUndefined();
    expect(openai.last().body.stream_options).toEqual({ include_usage: true });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools: two parallel calls parsed, then the ToolMessages go back with their call ids', async () => {
    const model = chat().bindTools([weatherTool]);
    answer.openai = chatAnswer(fixtureJson('openai', 'tools.json'), []);
    const user = new HumanMessage('Weather in Paris and Tokyo?');
    const mark = rec.ids.length;
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([
      { id: 'call_Kx9mPa2QwErT', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' },
      { id: 'call_Lm3nQb7ZxCvB', name: 'get_weather', args: { city: 'Tokyo' }, type: 'tool_call' },
    ]);
    expect(first.response_metadata.finish_reason).toBe('tool_calls');
    expect(openai.last().body.tools).toEqual([weatherTool]);

    answer.openai = chatAnswer(fixtureWith('openai', 'chat.json', (j) => (j.choices[0].message.content = 'Paris: 18°C and sunny. Tokyo: 24°C with rain.')), []);
    const results = first.tool_calls!.map((c, i) => new ToolMessage({ tool_call_id: c.id!, content: i === 0 ? '18°C, sunny' : '24°C, rain' }));
    const second = await model.invoke([user, first, ...results]);
    expect(second.content).toBe('Paris: 18°C and sunny. Tokyo: 24°C with rain.');
    const sent = openai.last().body.messages;
    expect(sent[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_Kx9mPa2QwErT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_Lm3nQb7ZxCvB', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
      ],
    });
    expect(sent.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: '24°C, rain' },
    ]);
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools streamed: both calls assembled from the relayed deltas, usage on the last chunk', async () => {
    answer.openai = chatAnswer(null, readChunks('openai', 'tools.chunks.txt'));
    const { message } = await collect(await chat({ streamUsage: true }).bindTools([weatherTool]).stream('Weather in Paris and Tokyo?'));
    expect(message.tool_calls!.map((c) => [c.id, c.name, c.args])).toEqual([
      ['call_Kx9mPa2QwErT', 'get_weather', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', 'get_weather', { city: 'Tokyo' }],
    ]);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 82, output_tokens: 46 });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, promptTokens: 82, completionTokens: 46 });
  });

  test('withStructuredOutput (jsonSchema): response_format reaches the upstream, the JSON answer is parsed', async () => {
    answer.openai = chatAnswer(
      fixtureWith('openai', 'chat.json', (j) => {
        j.choices[0].message.content = '{"city":"Lyon"}';
        j.usage = { ...j.usage, prompt_tokens: 57, completion_tokens: 6, total_tokens: 63 };
      }),
      [],
    );
    const structured = chat().withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'jsonSchema', strict: true });
    expect(await structured.invoke('Which city is the Croix-Rousse in?')).toEqual({ city: 'Lyon' });
    expect(openai.last().body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'weather_query', schema: weatherSchema, strict: true },
    });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, promptTokens: 57, completionTokens: 6 });
  });

  test('withStructuredOutput (functionCalling): the forced tool reaches the upstream, its arguments are parsed', async () => {
    answer.openai = chatAnswer(
      fixtureWith('openai', 'tools.json', (j) => {
        j.choices[0].message.tool_calls = [{ id: 'call_Sx7', type: 'function', function: { name: 'weather_query', arguments: '{"city":"Nantes"}' } }];
        j.choices[0].finish_reason = 'stop';
        j.usage = { ...j.usage, prompt_tokens: 61, completion_tokens: 8, total_tokens: 69 };
      }),
      [],
    );
    const structured = chat().withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'functionCalling' });
    expect(await structured.invoke('Where is the Château des ducs de Bretagne?')).toEqual({ city: 'Nantes' });
    const sent = openai.last().body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'weather_query', description: '', parameters: weatherSchema } }]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'weather_query' } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, promptTokens: 61, completionTokens: 8 });
  });
});

describe('ChatOpenAI on a Claude model (chat completions translated to Anthropic Messages)', () => {
  /** Anthropic JSON for a plain call, the recorded SSE for a streamed one. */
  const anthropicPair = (name: string): Answer => (r) => (r.body?.stream ? anthropicSse(`${name}.sse`) : jsonResponse(fixtureJson('anthropic', `${name}.json`)));

  test('invoke and stream with streamUsage: Claude text, usage in OpenAI convention, one row each', async () => {
    answer.anthropic = anthropicPair('text');
    const model = chat({ model: 'claude-sonnet-4-5', streamUsage: true });
    const reply = await model.invoke('What is 2 + 2?');
    expect(reply.content).toBe('2 + 2 = 4.');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 12, total_tokens: 33 });
    expect(anthropic.last().path).toBe('/v1/messages');
    expect(anthropic.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'anthropic', stream: false, promptTokens: 21, completionTokens: 12 });

    const { message } = await collect(await model.stream('Tell a story.'));
    expect(message.content).toBe('Once upon a time.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'anthropic', stream: true, promptTokens: 21, completionTokens: 9 });
  });

  test('bindTools with reasoning_effort: the call and its reasoning parsed; the turn after it goes without thinking, its blocks not echoed', async () => {
    const model = chat({ model: 'claude-sonnet-4-5', modelKwargs: { reasoning_effort: 'low' } }).bindTools([weatherTool]);
    answer.anthropic = anthropicPair('thinking-tool');
    const mark = rec.ids.length;
    const user = new HumanMessage('Weather in Paris?');
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: { city: 'Paris', unit: 'c' }, type: 'tool_call' }]);
    expect(first.additional_kwargs.reasoning_content).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(anthropic.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: expect.any(Number) });

    answer.anthropic = () => jsonResponse(fixtureJson('anthropic', 'after-tool.json'));
    const second = await model.invoke([user, first, new ToolMessage({ tool_call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' })]);
    expect(second.content).toBe('It is 18 °C and sunny in Paris.');
    const sent = anthropic.last().body;
    // ChatOpenAI does not send the signed thinking blocks back, and Anthropic refuses thinking on such a turn.
    expect(sent.thinking).toBeUndefined();
    expect(sent.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }] },
    ]);
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 640, completionTokens: 15 });
  });
});

describe('ChatOpenAI on a Claude model, streamed tool loop', () => {
  test('stream with bindTools and reasoning_effort: the argument pieces concatenate into the call; the ToolMessage turn goes on', async () => {
    const model = chat({ model: 'claude-sonnet-4-5', temperature: 0.2, topP: 0.9, modelKwargs: { reasoning_effort: 'low' } }).bindTools([weatherTool]);
    answer.anthropic = (r) => anthropicSse(r.body.messages.length === 1 ? 'thinking-tool.sse' : 'text.sse');
    const user = new HumanMessage('Weather in Paris?');
    const { message: first } = await collect(await model.stream([user]));
    expect(first.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: { city: 'Paris', unit: 'c' }, type: 'tool_call' }]);
    expect(first.content).toBe('Let me check the weather.');
    const out1 = anthropic.last().body;
    expect([out1.thinking, out1.temperature, out1.top_p]).toEqual([{ type: 'enabled', budget_tokens: 1024 }, undefined, undefined]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', stream: true, status: 200, promptTokens: 472, completionTokens: 89 });

    const { message: second } = await collect(await model.stream([user, first, new ToolMessage({ tool_call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' })]));
    expect(second.content).toBe('Once upon a time.');
    const out2 = anthropic.last().body;
    // The turn after the calls goes without thinking (no signed blocks came back), so the temperature is sent.
    expect([out2.thinking, out2.temperature, out2.top_p]).toEqual([undefined, 0.2, undefined]);
    expect(out2.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }] },
    ]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', stream: true, status: 200 });
  });
});

describe('ChatOpenAI on a Claude model, prompt over the window', () => {
  test("Anthropic's prompt is too long 400 is LangChain's ContextOverflowError (what its agents trim history on)", async () => {
    answer.anthropic = () => jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 400);
    const err = await lcError(chat({ model: 'claude-sonnet-4-5' }).invoke('A very long prompt'));
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect(err.message).toContain('prompt is too long: 210000 tokens > 200000 maximum');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', status: 400 });
  });
});
