import { afterAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { EVENT_SCHEMAS, schemaErrors } from './openai-schema';
import { fixtureText, jsonResponse, rawJsonResponse, sseEventsResponse as sse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

let replies: Record<string, (s: RecordedRequest) => Response | Promise<Response>> = {};
const reply = (name: string) => (s: RecordedRequest) => replies[name]?.(s) ?? jsonResponse({ error: { message: `no reply for ${name}` } }, 500);
const openai = startFakeUpstream((_req, s) => reply(`openai ${s.path}${s.search}`)(s));
const deepseek = startFakeUpstream((_req, s) => reply(`deepseek ${s.path}${s.search}`)(s));
const gemini = startFakeUpstream((_req, s) => reply(`gemini ${s.path}${s.search}`)(s));
let gw: TestGateway;
let client: OpenAI;

const fixture = async (name: string) => fixtureText('responses', name);
const lines = async (name: string) => (await fixture(name)).trim().split('\n');
/** A chat upstream's SSE from a `*.chunks.txt` fixture, ending like OpenAI-compatible APIs do. */
const chatSse = async (name: string) => sse([...(await lines(name)).map((data) => ({ data })), { data: '[DONE]' }]);

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai' }),
      ...providerEnv('deepseek', deepseek.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }),
      ...providerEnv('gemini', gemini.url, { LLM_PROXY__PROVIDERS__GEMINI__API_KEY: 'gm-test-key' }),
    },
  },
);
afterAll(() => {
  for (const f of [openai, deepseek, gemini]) f.close();
});

function expectValidEvents(events: any[]) {
  events.forEach((e, i) => {
    expect(e.sequence_number).toBe(i);
    expect(schemaErrors(EVENT_SCHEMAS[e.type]!, e)).toEqual([]);
  });
}

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('POST /v1/responses, OpenAI pass-through', () => {
  test('non-stream: body and answer unmodified, usage logged', async () => {
    const raw = await fixture('openai-response.json');
    replies['openai /v1/responses'] = () => rawJsonResponse(raw);
    const body = { model: 'gpt-5-mini', instructions: 'Be brief.', input: 'Hi', tools: [{ type: 'web_search' }], store: false };
    const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(raw);
    expect(res.headers.get('x-gophergate-provider')).toBe('openai');
    expect(openai.requests.at(-1)!.body).toEqual(body);
    expect(openai.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-openai');

    const { data: viaSdk, response } = await client.responses.create({ model: 'gpt-5-mini', input: 'Hi' }).withResponse();
    expect(viaSdk.output_text).toBe('Hi! How can I help?');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'openai', model: 'gpt-5-mini', status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64 });
  });

  test('stream: every event relayed as sent, usage from response.completed', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    replies['openai /v1/responses'] = () => sse(events);
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true }).withResponse();
    const got: any[] = [];
    for await (const e of stream) got.push(e);
    expect(got).toEqual(events.map((e) => JSON.parse(e.data)));
    expect(openai.requests.at(-1)!.body).toEqual({ model: 'gpt-4o-mini', input: 'Hello', stream: true });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ stream: true, status: 200, promptTokens: 9, completionTokens: 7, error: null });
  });

  test('a stream cut before response.completed bills the prompt and the text it delivered (estimated), not nothing', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const delivered = events.filter((e) => e.event === 'response.output_text.delta').map((e) => JSON.parse(e.data).delta).join('');
    expect(delivered.length).toBeGreaterThan(0);
    // The upstream breaks off after the text, before its terminal event with the usage.
    replies['openai /v1/responses'] = () => sse(events.slice(0, -3));
    const instructions = 'You are a terse assistant that answers in one short sentence.';
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', instructions, input: 'Hello there', stream: true }).withResponse();
    const got: any[] = [];
    // It ends with an error event (the SDK throws it), not as if the answer were whole.
    const failure = await (async () => {
      try {
        for await (const e of stream) got.push(e);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(failure?.message).toContain('ended the stream before its terminal event');
    expect(got.map((e) => e.type)).not.toContain('response.completed');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ stream: true, estimated: true, status: 502 });
    // Counted by the tokenizer: the instructions, the input and per-message framing; the delivered text.
    expect(row.promptTokens).toBeGreaterThan(12);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeGreaterThan(0);

    // The client hangs up after the first text delta: billed what it got, status 499.
    let cancelled = false;
    replies['openai /v1/responses'] = () =>
      new Response(
        new ReadableStream({
          start(c) {
            for (const e of events.slice(0, 5)) c.enqueue(new TextEncoder().encode(`event: ${e.event}\ndata: ${e.data}\n\n`));
          },
          cancel() {
            cancelled = true;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello there', stream: true }).withResponse();
    for await (const e of second.data) if (e.type === 'response.output_text.delta') break;
    const cut = await gw.waitForRow(second.response);
    expect(cut).toMatchObject({ stream: true, status: 499, estimated: true });
    expect(cut.completionTokens).toBeGreaterThan(0);
    expect(cut.promptTokens).toBeGreaterThan(0);
    await until(() => cancelled); // and the upstream call was given up
  });
});

/** An upstream body sent in the given pieces, one read each, then closed. */
function piecesResponse(pieces: (string | Uint8Array)[]): Response {
  const enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i >= pieces.length) return c.close();
      await Bun.sleep(1);
      const p = pieces[i++]!;
      c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

describe("OpenAI's stream through the relay", () => {
  test('byte for byte, whatever its framing: comments, CRLF line ends, events split across reads (multi-byte characters too) or sharing one', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const frames = events.map((e, i) => {
      const data = i === 3 ? e.data.replace('"delta":"', '"delta":"héllo ☃ ') : e.data;
      return i === 2 ? `event: ${e.event}\r\ndata: ${data}\r\n\r\n` : `event: ${e.event}\ndata: ${data}\n\n`;
    });
    const sse = `: OpenAI keep-alive\n\n${frames.slice(0, 4).join('')}: another comment\n\n${frames.slice(4).join('')}`;
    const bytes = new TextEncoder().encode(sse);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 29) pieces.push(bytes.slice(at, at + 29));
    replies['openai /v1/responses'] = () => piecesResponse(pieces);
    const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(sse);
    expect(await gw.waitForRow(res)).toMatchObject({ stream: true, status: 200, promptTokens: 9, completionTokens: 7, error: null });

    replies['openai /v1/responses'] = () => piecesResponse([frames.slice(0, 3).join(''), frames.slice(3).join('')]);
    const together = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    expect(await together.text()).toBe(frames.join(''));
  });

  test('cut in the middle of an event: the client gets the events before it whole, then the error event alone (not joined to half an event)', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const frames = events.map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`);
    const half = frames[5]!.slice(0, frames[5]!.length / 2);
    replies['openai /v1/responses'] = () => piecesResponse([frames.slice(0, 5).join(''), half]);
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true }).withResponse();
    const got: any[] = [];
    const failure = await (async () => {
      try {
        for await (const e of stream) got.push(e);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure?.message).toContain('ended the stream before its terminal event');
    expect(got).toEqual(events.slice(0, 5).map((e) => JSON.parse(e.data)));
    expect(await gw.waitForRow(response)).toMatchObject({ stream: true, status: 502 });

    // Read raw: the half event never reaches the client.
    const raw = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    const text = await raw.text();
    const before = frames.slice(0, 5).join('');
    expect(text.startsWith(before)).toBe(true);
    expect(text.slice(before.length)).toMatch(/^event: error\ndata: \{"type":"error","code":"upstream_error",[^\n]*\}\n\n$/);
  });
});

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

describe('POST /v1/responses, groups and errors', () => {
  test('a group routes like chat', async () => {
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const res = await client.responses.create({ model: 'deepseek-auto', input: 'hi' }).withResponse();
    expect(res.response.headers.get('x-gophergate-route')).toStartWith('deepseek-auto>');
    expect(res.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(res.data.status).toBe('completed');
  });

  test('model "dispatcher": the classifier call goes out, the chosen target answers', async () => {
    replies['openai /v1/chat/completions'] = () =>
      jsonResponse({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1745400400, model: 'gpt-5.4-nano',
        choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 40, completion_tokens: 1, total_tokens: 41 },
      });
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const res = await client.responses.create({ model: 'dispatcher', input: 'Say hi.' }).withResponse();
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(res.response.headers.get('x-gophergate-route')).toStartWith('dispatcher>fast-flow>');
    expect(res.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(deepseek.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Say hi.' });
    expect(res.data.output_text).toBe('Let me check the weather.');
    const [classifier] = await gw.waitForChildRows(res, 1);
    expect(classifier).toMatchObject({ endpoint: 'classifier', parentRequestId: res.response.headers.get('x-request-id') });
  });

  test("a group's OpenAI target failing: its next target answers (OpenAI's next model, or another provider through the bridge), one row with every try", async () => {
    const raw = await fixture('openai-response.json');
    // openai-auto: gpt-4o-mini, then gpt-4o (both OpenAI, passed through).
    replies['openai /v1/responses'] = (s) => (s.body.model === 'gpt-4o-mini' ? jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500) : rawJsonResponse(raw));
    const viaOpenAI = await client.responses.create({ model: 'openai-auto', input: 'Hi' }).withResponse();
    expect(viaOpenAI.data.output_text).toBe('Hi! How can I help?');
    expect(openai.requests.slice(-2).map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    const first = await gw.waitForRow(viaOpenAI.response);
    expect(JSON.parse(first.attempts!).map((a: any) => [a.model, a.status])).toEqual([['gpt-4o-mini', 502], ['gpt-4o', 200]]);

    // standard-pro: gpt-5.4-mini (OpenAI), then gemini-3-flash-preview, reached through the bridge, streamed too.
    replies['openai /v1/responses'] = () => jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500);
    replies['gemini /v1beta/models/gemini-3-flash-preview:generateContent'] = async () => rawJsonResponse(await fixture('gemini-text.json'));
    replies['gemini /v1beta/models/gemini-3-flash-preview:streamGenerateContent?alt=sse'] = async () =>
      sse((await lines('gemini-thinking-text.chunks.txt')).map((data) => ({ data })));
    const whole = await client.responses.create({ model: 'standard-pro', input: 'Hi' }).withResponse();
    expect(whole.response.headers.get('x-gophergate-route')).toBe('standard-pro>gemini-3-flash-preview');
    expect(whole.data).toMatchObject({ status: 'completed', model: expect.stringContaining('gemini') });
    const events: any[] = [];
    const { data: stream, response } = await client.responses.create({ model: 'standard-pro', input: 'Hi', stream: true }).withResponse();
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
    for (const ref of [whole.response, response]) {
      const row = await gw.waitForRow(ref);
      expect(row).toMatchObject({ endpoint: 'responses', provider: 'gemini', status: 200 });
      expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['gemini', 200]]);
    }
    // The stored response continues on the bridge.
    expect((await client.responses.retrieve(whole.data.id)).id).toBe(whole.data.id);

    // A request the bridge cannot take (an `include` value it does not know): OpenAI's failure stands, nothing else is asked.
    const geminiCalls = gemini.requests.length;
    const err = await apiError(client.responses.create({ model: 'standard-pro', input: 'Hi', include: ['made.up'] as any }));
    expect(err.status).toBe(502);
    expect(gemini.requests.length).toBe(geminiCalls);
    expect(JSON.parse((await gw.waitForRow(err)).attempts ?? '[{"provider":"openai"}]').map((a: any) => a.provider)).toEqual(['openai']);
  });

  test("an OpenAI model's refusal on the bridge (a follow-up to a bridged response): streamed as refusal events, a message with the refusal part, as the JSON answer has it", async () => {
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const first = await client.responses.create({ model: 'deepseek-chat', input: 'Hi' });
    // OpenAI's chat stream of a refusal (structured outputs), as gpt-4o sends it.
    const head = { id: 'chatcmpl-R1', object: 'chat.completion.chunk', created: 1745400500, model: 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_07871e2ad8' };
    const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    const refusal = "I'm sorry, I can't assist with that request.";
    replies['openai /v1/chat/completions'] = () =>
      sse([
        chunk({ role: 'assistant', content: null, refusal: '' }), chunk({ refusal: "I'm sorry, " }), chunk({ refusal: "I can't assist with that request." }), chunk({}, 'stop'),
        JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 } }), '[DONE]',
      ].map((data) => ({ data })));
    const events: any[] = [];
    for await (const e of await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'Now something bad.', stream: true })) events.push(e);
    expectValidEvents(events);
    expect(events.filter((e) => e.type === 'response.refusal.delta').map((e) => e.delta).join('')).toBe(refusal);
    expect(events.find((e) => e.type === 'response.refusal.done')).toMatchObject({ output_index: 0, content_index: 0, refusal });
    const streamed = events.at(-1).response;
    expect(streamed.output).toEqual([{ type: 'message', id: expect.any(String), status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal }] }]);
    expect(streamed.usage).toMatchObject({ input_tokens: 30, output_tokens: 10 });
    // The JSON answer to the same refusal holds the same output.
    replies['openai /v1/chat/completions'] = () =>
      jsonResponse({ ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal, annotations: [] }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 } });
    const whole = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'Now something bad.' });
    expect(whole.output.map(({ id: _, ...o }: any) => o)).toEqual(streamed.output.map(({ id: _, ...o }: any) => o));
  });

  test('a bridged stream cut mid-way ends with response.failed', async () => {
    const chunks = await lines('deepseek-reasoner-text.chunks.txt');
    // The connection drops once the client has seen text: a drop that arrived with the chunks (a
    // fixed pause only makes that unlikely on a loaded machine) would land before the first byte.
    const textSeen = Promise.withResolvers<void>();
    replies['deepseek /chat/completions'] = () => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (i < 4) return c.enqueue(new TextEncoder().encode(`data: ${chunks[i++]}\n\n`));
          await textSeen.promise;
          c.error(new Error('connection reset'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-chat', input: 'Hello', stream: true }).withResponse();
    const events: any[] = [];
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'response.output_text.delta') textSeen.resolve();
    }
    expectValidEvents(events);
    const last = events.at(-1);
    expect(last.type).toBe('response.failed');
    expect(last.response.status).toBe('failed');
    expect(last.response.error.code).toBe('server_error');
    expect(last.response.output.at(-1)).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'Hello' }] });
    // The usage the row bills for what was delivered (an estimate: the upstream sent none).
    const row = await gw.waitForRow(response);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(last.response.usage).toMatchObject({ input_tokens: row.promptTokens, output_tokens: row.completionTokens });
  });

  test("an unknown include value on a bridged model is OpenAI's 400 naming it; known ones are accepted", async () => {
    const before = deepseek.requests.length;
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'Hi', include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'include[1]', code: 'invalid_value' });
    expect(err.message).toContain("'reasoning.encrypted_contents'");
    expect(deepseek.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, endpoint: 'responses' });

    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const ok = await client.responses.create({ model: 'deepseek-chat', input: 'Hi', include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] });
    expect(ok.output.length).toBeGreaterThan(0);
  });

  test('built-in tools on a bridged model are a 400 naming the tool; nothing goes upstream', async () => {
    const before = gemini.requests.length;
    const err = await apiError(client.responses.create({ model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }] }));
    expect(err.status).toBe(400);
    expect(err.message).toContain("'web_search'");
    expect((err.error as any).param).toBe('tools[0]');
    expect(gemini.requests.length).toBe(before);
  });

  test("a tools list that is not one, or an entry that is not a typed object, is a 400 naming it on every model, one row each, nothing sent (OpenAI was sent `{}`; a null entry was 'the built-in tool undefined')", async () => {
    const sent = [openai.requests.length, deepseek.requests.length];
    const cases: [unknown, string][] = [
      [{}, 'tools'],
      ['web_search', 'tools'],
      [[null], 'tools[0]'],
      [[{ type: 'web_search' }, 'x'], 'tools[1]'],
      [[{}], 'tools[0].type'],
      [[{ type: 5 }], 'tools[0].type'],
      [[{ type: '' }], 'tools[0].type'],
    ];
    for (const model of ['gpt-4o-mini', 'deepseek-chat']) {
      for (const [tools, param] of cases) {
        const err = await apiError(client.responses.create({ model, input: 'x', tools } as any));
        expect([err.status, err.param, (err.error as any).type, (err.error as any).code]).toEqual([400, param, 'invalid_request_error', 'invalid_request']);
        expect((err.error as any).message).toStartWith(`Invalid value for '${param}': must be`);
        expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
      }
    }
    expect([openai.requests.length, deepseek.requests.length]).toEqual(sent);
  });

  test('an unknown previous_response_id is a 404; store:false leaves nothing to continue', async () => {
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', previous_response_id: 'resp_nope', input: 'x' }));
    expect(err.status).toBe(404);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' });
    expect(err.message).toContain('resp_nope');

    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const unstored = await client.responses.create({ model: 'deepseek-chat', input: 'x', store: false });
    expect((unstored as any).store).toBe(false);
    expect((await apiError(client.responses.create({ model: 'deepseek-chat', previous_response_id: unstored.id, input: 'y' }))).status).toBe(404);
  });

  test('requests refused before any upstream call are logged, each as its own row (as chat logs them)', async () => {
    const refusals: [() => Promise<unknown>, number, string][] = [
      [() => client.responses.create({ model: 'no-such-model', input: 'x' }), 404, 'no-such-model'],
      [() => client.responses.create({ model: 'no-such-model', input: 'x', stream: true }), 404, 'no-such-model'],
      [() => client.responses.create({ input: 'x' } as any), 400, ''],
      [() => client.responses.create({ model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }] }), 400, 'gemini-2.5-flash'],
      [() => client.responses.create({ model: 'deepseek-chat', previous_response_id: 'resp_nope', input: 'x' }), 404, 'deepseek-chat'],
    ];
    for (const [call, status, modelRequested] of refusals) {
      const err = await apiError(call());
      expect(err.status).toBe(status);
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status, modelRequested, clientId: gw.clientId, promptTokens: 0 });
    }
  });

  test('a text part without a string text is a 400 naming it, nothing sent (not "5" or "[object Object]" upstream)', async () => {
    const sent = deepseek.requests.length;
    const parts: [unknown, string][] = [
      [{ role: 'user', content: [{ type: 'input_text', text: 5 }] }, 'input[0].content[0].text'],
      [{ role: 'user', content: [{ type: 'input_text', text: 'ok' }, { type: 'input_text', text: { a: 1 } }] }, 'input[0].content[1].text'],
      [{ role: 'user', content: [{ type: 'input_text' }] }, 'input[0].content[0].text'],
      [{ role: 'assistant', content: [{ type: 'output_text', text: null }] }, 'input[0].content[0].text'],
      [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 7 }] }, 'input[0].output[0].text'],
    ];
    for (const [item, param] of parts) {
      const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: [item] } as any));
      expect([err.status, err.param]).toEqual([400, param]);
    }
    expect(deepseek.requests.length).toBe(sent);
  });

  test("a part or field the provider cannot take is refused naming the client's field (input[i].content[j], text.format), not the chat form's", async () => {
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const sent = deepseek.requests.length;
    const input = [
      { role: 'user' as const, content: 'Look.' },
      { type: 'function_call' as const, call_id: 'c1', name: 'shot', arguments: '{}' },
      { type: 'function_call_output' as const, call_id: 'c1', output: 'done' },
      { role: 'user' as const, content: [{ type: 'input_text' as const, text: 'this:' }, { type: 'input_image' as const, image_url: png, detail: 'auto' as const }] },
    ];
    const image = await apiError(client.responses.create({ model: 'deepseek-chat', instructions: 'Be brief.', input }));
    expect([image.status, image.code, image.param]).toEqual([400, 'unsupported_parameter', 'input[3].content[1]']);
    const schema = await apiError(
      client.responses.create({ model: 'deepseek-chat', input: 'Hi', text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: {} } } } }),
    );
    expect([schema.status, schema.code, schema.param]).toEqual([400, 'unsupported_parameter', 'text.format']);
    expect(deepseek.requests.length).toBe(sent);
  });

  test("a model that is not a string is named as such (not as missing)", async () => {
    const missing = await apiError(client.responses.create({ input: 'x' } as any));
    expect([missing.status, missing.param, (missing.error as any).message]).toEqual([400, 'model', "'model' is required."]);
    const numeric = await apiError(client.responses.create({ model: 123, input: 'x' } as any));
    expect([numeric.status, numeric.param, (numeric.error as any).message]).toEqual([400, 'model', "'model' must be a string."]);
  });

  test('an upstream failure before the stream starts is an OpenAI-shaped error', async () => {
    replies['deepseek /chat/completions'] = () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' } }, 402);
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'x', stream: true }));
    expect(err.status).toBe(402);
    expect(err.message).toContain('Insufficient Balance');
  });
});
