import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { schemaErrors } from './openai-schema';
import { jsonResponse, rawJsonResponse, sseEventsResponse as sse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { chatSse, expectValidEvents, fixture, lines, useResponsesRig } from './responses-rig';

let gw: TestGateway;
let client: OpenAI;
const { replies, deepseek, gemini } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
});

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('POST /v1/responses, bridged through chat', () => {
  test('DeepSeek non-stream: function-call round trip with previous_response_id', async () => {
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const first = await client.responses.create({
      model: 'deepseek-reasoner',
      instructions: 'You are a weather bot.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] }],
      tools: [weatherTool],
      tool_choice: 'auto',
      max_output_tokens: 500,
      temperature: 0.3,
      metadata: { trace: 't-1' },
      safety_identifier: 'user-hash-1',
      prompt_cache_key: 'weather-bot',
      max_tool_calls: 3,
    });
    const sent = deepseek.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-test-deepseek');
    expect(sent.body).toMatchObject({
      model: 'deepseek-reasoner',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: weatherTool.parameters, strict: false } }],
      tool_choice: 'auto',
      max_tokens: 500,
      temperature: 0.3,
    });
    expect(sent.body.stream).toBeFalsy();

    expect(schemaErrors('Response', first)).toEqual([]);
    expect(first.id).toStartWith('resp_');
    expect(first).toMatchObject({ object: 'response', status: 'completed', model: 'deepseek-reasoner', metadata: { trace: 't-1' }, max_output_tokens: 500, temperature: 0.3 });
    // Echoed as OpenAI echoes them.
    expect(first).toMatchObject({ safety_identifier: 'user-hash-1', prompt_cache_key: 'weather-bot', max_tool_calls: 3 });
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect((first.output[0] as any).content[0].text).toBe('The user wants the weather in Paris; I should call get_weather.');
    expect(first.output_text).toBe('Let me check the weather.');
    const call = first.output[2] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ call_id: 'call_0_a1b2c3d4-e5f6-4711-8899-aabbccddeeff', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(first.usage as unknown).toEqual({
      input_tokens: 95,
      input_tokens_details: { cached_tokens: 64 },
      output_tokens: 60,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 155,
    });

    replies['deepseek /chat/completions'] = () =>
      jsonResponse({
        id: 'c2', object: 'chat.completion', created: 1745400300, model: 'deepseek-reasoner',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Sunny, 21 °C.' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 130, completion_tokens: 9, total_tokens: 139, prompt_tokens_details: { cached_tokens: 0 }, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 130 },
      });
    const { data: second, response: secondResponse } = await client.responses
      .create({
        model: 'deepseek-reasoner',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21,"sky":"sunny"}' }],
        tools: [weatherTool],
      })
      .withResponse();
    // the stored conversation, then the tool result; instructions are not carried over (the
    // DeepSeek adapter adds its own default system prompt), reasoning goes back with the tool turn
    expect(deepseek.requests.at(-1)!.body.messages).toEqual([
      { role: 'system', content: 'Always respond in English.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Let me check the weather.',
        reasoning_content: 'The user wants the weather in Paris; I should call get_weather.',
        tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: call.call_id, content: '{"temp":21,"sky":"sunny"}' },
    ]);
    expect(second.output_text).toBe('Sunny, 21 °C.');
    expect(second.previous_response_id).toBe(first.id);
    expect(schemaErrors('Response', second)).toEqual([]);
    expect(await gw.waitForRow(secondResponse)).toMatchObject({ provider: 'deepseek', model: 'deepseek-reasoner', promptTokens: 130, completionTokens: 9, status: 200 });
  });

  test('DeepSeek stream: reasoning and text bridged into the Responses event sequence', async () => {
    replies['deepseek /chat/completions'] = () => chatSse('deepseek-reasoner-text.chunks.txt');
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', stream: true }).withResponse();
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    expect(deepseek.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(deepseek.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Hello' });
    expect(events.map((e) => e.type)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta', 'response.reasoning_text.delta',
      'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    const done = events.at(-1).response;
    expect(done.output[1].content[0].text).toBe('Hello! How can I help?');
    expect(done.usage).toEqual({
      input_tokens: 12, input_tokens_details: { cached_tokens: 8 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 22 }, total_tokens: 42,
    });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'deepseek', stream: true, status: 200, error: null, promptTokens: 12, completionTokens: 30, reasoningTokens: 22 });

    // the streamed response is stored too: a follow-up continues it
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    await client.responses.create({ model: 'deepseek-chat', previous_response_id: done.id, input: 'And you?' });
    expect(deepseek.requests.at(-1)!.body.messages).toEqual([
      { role: 'system', content: 'Always respond in English.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Hello! How can I help?' },
      { role: 'user', content: 'And you?' },
    ]);
  });

  test("text.verbosity is echoed in the response's text as sent, OpenAI's 'medium' when not sent (JSON and stream)", async () => {
    replies['deepseek /chat/completions'] = async (r) => (r.body.stream ? chatSse('deepseek-reasoner-text.chunks.txt') : rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json')));
    for (const stream of [false, true]) {
      for (const [text, echoed] of [[{ verbosity: 'low' as const }, { format: { type: 'text' }, verbosity: 'low' }], [undefined, { format: { type: 'text' }, verbosity: 'medium' }]] as const) {
        const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'deepseek-reasoner', input: 'Hello', stream, ...(text ? { text } : {}) }) });
        expect(res.status).toBe(200);
        const body = await res.text();
        const response = stream ? JSON.parse(body.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).at(-1)!).response : JSON.parse(body);
        expect(response.status).toBe('completed');
        expect(response.text).toEqual(echoed);
        expect((await gw.waitForRow(res)).status).toBe(200);
      }
    }
    const viaSdk = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', text: { verbosity: 'high' } });
    expect(viaSdk.text).toEqual({ format: { type: 'text' }, verbosity: 'high' });
    const refused = await apiError(client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', text: { verbosity: 'loud' as any } }));
    expect([refused.status, refused.param]).toEqual([400, 'text.verbosity']);
  });

  test('DeepSeek stream: parallel tool calls become function_call items', async () => {
    replies['deepseek /chat/completions'] = () => chatSse('deepseek-chat-tools.chunks.txt');
    const stream = await client.responses.create({ model: 'deepseek-chat', input: 'Weather and time?', tools: [weatherTool], stream: true });
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    const args = events.filter((e) => e.type === 'response.function_call_arguments.done').map((e) => [e.name, e.arguments]);
    expect(args).toEqual([['get_weather', '{"city": "Paris"}'], ['get_time', '{"tz": "CET"}']]);
    expect(events.at(-1).response.output.map((o: any) => o.call_id)).toEqual([
      'call_0_5e1c8a6b-3f43-4a52-b6a0-9b7d7f3c2e10',
      'call_1_0a9d3e2f-7c61-4b8e-a1d2-c3e4f5a6b7c8',
    ]);
  });

  test('Gemini non-stream: function call, then the result via previous_response_id', async () => {
    replies['gemini /v1beta/models/gemini-2.5-flash:generateContent'] = async () => rawJsonResponse(await fixture('gemini-function-call.json'));
    const first = await client.responses.create({ model: 'gemini-2.5-flash', input: 'Weather in Paris?', tools: [weatherTool] });
    const sent = gemini.requests.at(-1)!;
    expect(sent.headers['x-goog-api-key']).toBe('gm-test-key');
    expect(sent.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }]);
    expect(sent.body.tools[0].functionDeclarations[0].name).toBe('get_weather');
    expect(schemaErrors('Response', first)).toEqual([]);
    expect(first.output).toHaveLength(1);
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    expect(first.usage).toMatchObject({ input_tokens: 52, output_tokens: 6, total_tokens: 58 });

    replies['gemini /v1beta/models/gemini-2.5-flash:generateContent'] = async () => rawJsonResponse(await fixture('gemini-text.json'));
    const second = await client.responses.create({
      model: 'gemini-2.5-flash',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }],
      tools: [weatherTool],
    });
    const contents = gemini.requests.at(-1)!.body.contents;
    expect(contents).toHaveLength(3);
    expect(contents[1].role).toBe('model');
    expect(contents[1].parts.find((p: any) => p.functionCall)?.functionCall).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
    expect(contents[2].parts[0].functionResponse).toMatchObject({ name: 'get_weather' });
    expect(second.output_text).toBe('It is 21 °C and sunny in Paris.');
    expect(schemaErrors('Response', second)).toEqual([]);
  });

  test('Gemini stream: thoughts become a reasoning item, text a message', async () => {
    replies['gemini /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'] = async () =>
      sse((await lines('gemini-thinking-text.chunks.txt')).map((data) => ({ data })));
    const stream = await client.responses.create({ model: 'gemini-2.5-flash', input: 'Hi', stream: true, reasoning: { effort: 'low' } });
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    const done = events.at(-1);
    expect(done.type).toBe('response.completed');
    const texts = done.response.output.map((o: any) => [o.type, o.type === 'message' ? o.content[0].text : o.content?.[0]?.text]);
    expect(texts.at(-1)).toEqual(['message', 'Hello there! Nice to meet you.']);
    expect(done.response.usage).toMatchObject({ input_tokens: 11, output_tokens: 58, output_tokens_details: { reasoning_tokens: 50 } });
  });
});
