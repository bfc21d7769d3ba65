import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { and, eq } from 'drizzle-orm';
import { models } from '../../src/db/schema';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chunkErrors, completionErrors } from './chat-schema';
import { anthropicJson, json, queue, sse, strictAboutPrefill, strictAboutThinking } from './fake-anthropic';

// The official OpenAI client -> the gateway over real HTTP -> a fake Anthropic on loopback.
const KEY = 'sk-ant-api03-test-key-0123456789abcdefghij';
const MODEL = 'anthropic/claude-sonnet-4-5';
const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7J3yjlj2ZH46mbQ3wsN/xzYv1ZKflJ8jAWU/PCyy2mbRAZmVJmWFY4zKKGW6yoqMHQ8';
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

let fake: FakeUpstream;
let images: ReturnType<typeof Bun.serve>;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream();
  images = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) });
  gw = await startGateway({
    env: {
      ANTHROPIC_API_KEY: KEY,
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url,
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
    },
  });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
  images?.stop(true);
});

describe('anthropic through /v1/chat/completions', () => {
  test('non-stream text: the Messages request out, an OpenAI completion back', async () => {
    fake.handler = queue(json('text.json'));
    const res = await client.chat.completions.create(
      {
        model: MODEL,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'What is 2 + 2?' },
        ],
        temperature: 0.2,
        stop: ['END'],
        user: 'user-42',
      },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    const sent = fake.last();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 8192,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }],
      stop_sequences: ['END'],
      temperature: 0.2,
      metadata: { user_id: 'user-42' },
    });
    expect(completionErrors(res)).toEqual([]);
    expect(res.id).toBe('chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL');
    expect(res.choices[0]!.message).toEqual({ role: 'assistant', content: '2 + 2 = 4.', refusal: null });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toEqual({
      prompt_tokens: 21, completion_tokens: 12, total_tokens: 33,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test('stream with include_usage: OpenAI chunks, then a usage-only chunk', async () => {
    fake.handler = queue(sse('text.sse'));
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'A story' }], stream: true, stream_options: { include_usage: true }, max_tokens: 100,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(fake.last().body.stream).toBe(true);
    expect(fake.last().body.max_tokens).toBe(100);
    for (const c of chunks) expect(chunkErrors(c)).toEqual([]);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Once upon a time.');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 21, completion_tokens: 9, total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-msg_01VxHsYD7KktLrKSgWUqd4Ci']));
  });

  test('a final assistant prefill ending in whitespace goes out trimmed (Anthropic refuses the whitespace); the answer continues it', async () => {
    for (const stream of [false, true]) {
      fake.handler = strictAboutPrefill(stream ? sse('text.sse') : json('text.json'));
      const messages = [
        { role: 'user' as const, content: 'Greet me.' },
        { role: 'assistant' as const, content: 'Sure, ' },
      ];
      const { response } = await client.chat.completions.create({ model: MODEL, messages, stream }).withResponse();
      expect(response.status).toBe(200);
      if (stream) await response.text();
      expect(fake.last().body.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Sure,' }] });
      expect((await gw.waitForRow(response)).status).toBe(200);
    }
    // Content parts: the last part trimmed; one left empty by the trim is dropped.
    fake.handler = strictAboutPrefill(json('text.json'));
    const parts = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Here it is:\n' }, { type: 'text' as const, text: ' \n' }] };
    const { response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Go.' }, parts] }).withResponse();
    expect(fake.last().body.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Here it is:' }] });
    expect((await gw.waitForRow(response)).status).toBe(200);
    // An assistant turn before the last user turn keeps its whitespace (Anthropic takes it there).
    fake.handler = strictAboutPrefill(json('text.json'));
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! ' }, { role: 'user', content: 'Again' }] });
    expect(fake.last().body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hello! ' }] });
  });

  test('tools with thinking over two turns: the signature goes back in front of the tool_use', async () => {
    fake.handler = queue(json('thinking-tool.json'), json('after-tool.json'));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: [weatherTool], tool_choice: 'auto', reasoning_effort: 'low' });
    const out1 = fake.last().body;
    expect(out1.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(out1.max_tokens).toBe(1024 + 8192);
    expect(out1.tools).toEqual([{ name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.function.parameters }]);
    expect(out1.tool_choice).toEqual({ type: 'auto' });

    expect(completionErrors(first)).toEqual([]);
    const msg = first.choices[0]!.message as any;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBe('Let me check the weather.');
    expect(msg.reasoning_content).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(msg.thinking_blocks).toEqual([{ type: 'thinking', thinking: 'The user wants the weather in Paris. I should call get_weather.', signature: SIGNATURE }]);
    expect(msg.tool_calls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
    ]);

    // The client sends the assistant message back as it got it, then the tool result.
    messages.push(msg, { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: '18 °C, sunny' });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools: [weatherTool], reasoning_effort: 'low' });
    const out2 = fake.last().body;
    expect(out2.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(out2.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants the weather in Paris. I should call get_weather.', signature: SIGNATURE },
          { type: 'text', text: 'Let me check the weather.' },
          { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18 °C, sunny' }] }] },
    ]);
    expect(second.choices[0]!.message.content).toBe('It is 18 °C and sunny in Paris.');
  });

  test("the model's max_output_tokens column, not a second list, bounds the default max_tokens and the thinking budget", async () => {
    const limitOf = (n: number | null) => {
      gw.ctx.db.update(models).set({ maxOutputTokens: n }).where(and(eq(models.id, 'claude-sonnet-4-5'), eq(models.provider, 'anthropic'))).run();
      gw.ctx.state.reload();
    };
    try {
      limitOf(16_000);
      fake.handler = queue(json('text.json'));
      await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Think hard.' }], reasoning_effort: 'high' });
      // high is 24,576 thinking + 8,192 answer: within 16,000 the budget gives way.
      expect(fake.last().body).toMatchObject({ max_tokens: 16_000, thinking: { type: 'enabled', budget_tokens: 14_976 } });
      // Seeded at the list's 64,000 (unchanged behaviour): 24,576 + 8,192 fits.
      limitOf(64_000);
      fake.handler = queue(json('text.json'));
      await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Think hard.' }], reasoning_effort: 'high' });
      expect(fake.last().body).toMatchObject({ max_tokens: 32_768, thinking: { type: 'enabled', budget_tokens: 24_576 } });
    } finally {
      limitOf(64_000);
    }
  });

  test('reasoning_effort with a forced tool (required or named): sent without thinking, the answer a tool call', async () => {
    // Anthropic refuses thinking with tool_choice any/tool; LangChain's withStructuredOutput and agents send both.
    const toolAnswer = () => Response.json({
      ...anthropicJson('thinking-tool.json'),
      content: [{ type: 'tool_use', id: 'toolu_01Forced0000000000000000', name: 'get_weather', input: { city: 'Paris' } }],
    });
    for (const tool_choice of ['required', { type: 'function', function: { name: 'get_weather' } }] as const) {
      fake.handler = strictAboutThinking(toolAnswer);
      const res = await client.chat.completions.create({
        model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice, reasoning_effort: 'high', max_tokens: 500,
      });
      const sent = fake.last().body;
      expect(sent.thinking).toBeUndefined();
      expect(sent.max_tokens).toBe(500);
      expect(sent.tool_choice).toEqual(tool_choice === 'required' ? { type: 'any' } : { type: 'tool', name: 'get_weather' });
      expect(res.choices[0]!.finish_reason).toBe('tool_calls');
      expect(res.choices[0]!.message.tool_calls).toEqual([
        { id: 'toolu_01Forced0000000000000000', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ]);
    }
    // tool_choice auto keeps thinking.
    fake.handler = strictAboutThinking(json('thinking-tool.json'));
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto', reasoning_effort: 'low' });
    expect(fake.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  test('reasoning_effort with a final assistant message (a prefill): sent without thinking, not refused', async () => {
    // Anthropic, thinking on, wants a final assistant turn to start with a thinking block (Aider's
    // continuation after a length stop, a JSON prefill): the prefill is what the client is after.
    fake.handler = strictAboutThinking(json('text.json'));
    const res = await client.chat.completions.create({
      model: MODEL, reasoning_effort: 'high', max_tokens: 300,
      messages: [{ role: 'user', content: 'Give the answer as JSON.' }, { role: 'assistant', content: '{"answer":' }],
    });
    const sent = fake.last().body;
    expect(sent.thinking).toBeUndefined();
    expect(sent.max_tokens).toBe(300);
    expect(sent.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: '{"answer":' }] });
    expect(res.choices[0]!.message.content).toBe('2 + 2 = 4.');
    // An earlier answer without thinking, the conversation going on from a user turn: thinking stays.
    fake.handler = strictAboutThinking(json('text.json'));
    await client.chat.completions.create({
      model: MODEL, reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Think about 2 + 2.' }],
    });
    expect(fake.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  test('stream of thinking and a tool call: reasoning, the whole signed block, argument pieces', async () => {
    fake.handler = queue(sse('thinking-tool.sse'));
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], reasoning_effort: 'medium', stream: true,
    });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    expect(fake.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(fake.last().body.max_tokens).toBe(8192 + 8192);
    for (const c of chunks) expect(chunkErrors(c)).toEqual([]);
    const deltas = chunks.map((c) => c.choices[0]?.delta ?? {});
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(deltas.flatMap((d) => d.thinking_blocks ?? [])).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather in Paris. I should call get_weather.', signature: SIGNATURE },
    ]);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Let me check the weather.');
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"city": "Paris", "unit": "c"}');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  test('stream of a call to a tool without parameters: its arguments are "{}" as in the JSON answer, so runTools calls it', async () => {
    // Anthropic streams such a call as `input: {}` and one empty input_json_delta.
    fake.handler = queue(sse('no-input-tool.sse'), sse('text.sse'));
    let called = 0;
    const timeTool = {
      type: 'function' as const,
      function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} }, parse: JSON.parse, function: (_args: object) => (called++, '12:00') },
    };
    const runner = client.chat.completions.runTools({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'What time is it?' }], tools: [timeTool] });
    expect(await runner.finalContent()).toBe('Once upon a time.');
    expect(called).toBe(1);
    const [firstTurn] = await runner.allChatCompletions();
    expect(firstTurn!.choices[0]!.message.tool_calls).toEqual([
      expect.objectContaining({ id: 'toolu_01NoInputCa11xxxxxxxxxxxx', function: expect.objectContaining({ name: 'get_time', arguments: '{}' }) }),
    ]);
    // The tool's own answer went back, not a parse error of empty arguments.
    expect(fake.last().body.messages.at(-1)).toEqual({
      role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01NoInputCa11xxxxxxxxxxxx', content: [{ type: 'text', text: '12:00' }] }],
    });
  });

  test('vision: a data URI and a remote URL (fetched under the image guard) become base64 image blocks', async () => {
    fake.handler = queue(json('text.json'));
    const b64 = Buffer.from(PNG).toString('base64');
    await client.chat.completions.create({
      model: MODEL,
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
          { type: 'image_url', image_url: { url: `http://127.0.0.1:${images.port}/cat.png` } },
        ],
      }],
    });
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } };
    expect(fake.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Compare these.' }, image, image] }]);
  });

  test('parameters Anthropic cannot honour are a 400 naming them, and nothing is sent', async () => {
    const before = fake.requests.length;
    const n = await apiError(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], n: 2 }));
    expect(n.status).toBe(400);
    expect((n.error as any).param).toBe('n');
    const lp = await apiError(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true }));
    expect((lp.error as any).param).toBe('logprobs');
    expect(fake.requests.length).toBe(before);
  });

  test('/health lists the provider, enabled by ANTHROPIC_API_KEY; /v1/models lists the seeded Claude models', async () => {
    const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
    expect(health.providers.anthropic).toMatchObject({ enabled: true, circuit: 'closed' });
    const ids = (await client.models.list()).data.map((m) => m.id);
    for (const id of ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-7']) expect(ids).toContain(id);
  });

  test('response_format json_schema on a model without structured outputs (Opus 4.1): a forced tool out, its input back as the message content (JSON and stream)', async () => {
    const OLD = 'anthropic/claude-opus-4-1';
    const schema = { type: 'object', properties: { city: { type: 'string' }, population_millions: { type: 'number' } }, required: ['city'] };
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'place', schema, strict: true } };
    fake.handler = queue(json('json-output.json'), sse('json-output.sse'));
    const res = await client.chat.completions.create({ model: OLD, messages: [{ role: 'user', content: 'Biggest French city?' }], response_format });
    expect(fake.last().body.tool_choice).toEqual({ type: 'tool', name: 'gophergate_json_output' });
    expect(fake.last().body.output_config).toBeUndefined();
    expect(fake.last().body.tools[0].input_schema).toEqual(schema);
    expect(completionErrors(res)).toEqual([]);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.choices[0]!.message.tool_calls).toBeUndefined();
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Paris', population_millions: 2.1 });

    const stream = await client.chat.completions.create({ model: OLD, messages: [{ role: 'user', content: 'Biggest French city?' }], response_format, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    for (const c of chunks) expect(chunkErrors(c)).toEqual([]);
    expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''))).toEqual({ city: 'Paris', population_millions: 2.1 });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});
