/**
 * LangChain JS's `ChatAnthropic` (@langchain/anthropic) against the real gateway's POST /v1/messages
 * (anthropicApiUrl = the gateway's base URL), routed natively to a fake Anthropic upstream and
 * translated to a fake OpenAI upstream, both replaying recorded wire shapes. Each case checks what
 * LangChain made of the answer, what the upstream received, and the call's log row (picked by the
 * `x-request-id` the gateway answered).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { fixtureWith, idRecorder, weatherSchema, weatherTool } from './langchain-helpers';

type Answer = (rec: RecordedRequest) => Response;
const noAnswer: Answer = () => jsonResponse({ error: { message: 'no answer set in this test' } }, 500);
let anthropicAnswer: Answer = noAnswer;
let openaiAnswer: Answer = noAnswer;
const anthropic = startFakeUpstream((_req, rec) => anthropicAnswer(rec));
const openai = startFakeUpstream((_req, rec) => openaiAnswer(rec));
const ANTHROPIC_KEY = 'sk-ant-test-0123456789';
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url, ...providerEnv('openai', `${openai.url}/v1`) },
});
afterAll(() => {
  anthropic.close();
  openai.close();
});

const rec = idRecorder();
const claude = (fields: ConstructorParameters<typeof ChatAnthropic>[0] = {}) =>
  new ChatAnthropic({ model: 'claude-sonnet-4-5', apiKey: gw.clientKey, anthropicApiUrl: gw.url, maxRetries: 0, clientOptions: { fetch: rec.fetch, timeout: 20_000 }, ...fields });
/** The same client on an OpenAI model: the gateway translates /v1/messages to chat completions. */
const gpt = (fields: ConstructorParameters<typeof ChatAnthropic>[0] = {}) => claude({ model: 'openai/gpt-4o-mini', ...fields });

/** Anthropic JSON for a plain call, the recorded SSE for a streamed one. */
const anthropicPair = (name: string): Answer => (r) => (r.body?.stream ? anthropicSse(`${name}.sse`) : jsonResponse(fixtureJson('anthropic', `${name}.json`)));
/** OpenAI chat JSON for a plain call, a `*.chunks.txt` replay for a streamed one. */
const chatAnswer = (json: unknown, chunks: string[]): Answer => (r) => (r.body?.stream ? sseResponse(chunks) : jsonResponse(json));

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let message: AIMessageChunk | undefined;
  for await (const c of stream) message = message ? message.concat(c) : c;
  if (!message) throw new Error('the stream yielded nothing');
  return message;
}

const WEATHER_PARIS = { city: 'Paris', unit: 'c' };

describe('ChatAnthropic to the anthropic provider (native pass-through)', () => {
  test('invoke: the text and usage_metadata; the body reached Anthropic with the gateway key; one row', async () => {
    anthropicAnswer = anthropicPair('text');
    const reply = await claude({ temperature: 0.2, maxTokens: 100 }).invoke('What is 2 + 2?');
    expect(reply.content).toBe('2 + 2 = 4.');
    expect(reply.id).toBe('msg_01XFDUDYJgAACzvnptvVoYEL');
    expect(reply.response_metadata).toMatchObject({ model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn' });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 12, total_tokens: 33 });
    const sent = anthropic.last();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.body).toEqual({ model: 'claude-sonnet-4-5', stream: false, max_tokens: 100, temperature: 0.2, messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
    expect(await gw.waitForRow(rec.last())).toMatchObject({
      endpoint: 'messages', provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false, status: 200, promptTokens: 21, completionTokens: 12,
    });
  });

  test('stream: the text from the relayed events, input tokens from message_start; the row has the final counts', async () => {
    anthropicAnswer = anthropicPair('text');
    const message = await collect(await claude().stream('Tell a story.'));
    expect(message.content).toBe('Once upon a time.');
    expect(message.id).toBe('msg_01VxHsYD7KktLrKSgWUqd4Ci');
    expect(message.additional_kwargs.stop_reason).toBe('end_turn');
    // LangChain adds message_start's output_tokens (1) to message_delta's running total (9); the row keeps Anthropic's 9.
    expect(message.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 10 });
    expect(anthropic.last().body.stream).toBe(true);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', provider: 'anthropic', stream: true, status: 200, promptTokens: 21, completionTokens: 9 });
  });

  test('bindTools with thinking: the call parsed, then the tool result goes back with the thinking block untouched', async () => {
    const model = claude({ maxTokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }).bindTools([weatherTool]);
    anthropicAnswer = anthropicPair('thinking-tool');
    const mark = rec.ids.length;
    const user = new HumanMessage('Weather in Paris?');
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: WEATHER_PARIS, type: 'tool_call' }]);
    expect(anthropic.last().body.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema }]);

    anthropicAnswer = () => jsonResponse(fixtureJson('anthropic', 'after-tool.json'));
    const second = await model.invoke([user, first, new ToolMessage({ tool_call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' })]);
    expect(second.content).toBe('It is 18 °C and sunny in Paris.');
    const sent = anthropic.last().body.messages;
    expect(sent[1]).toEqual({ role: 'assistant', content: fixtureJson('anthropic', 'thinking-tool.json').content });
    expect(sent[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' }] });
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 640, completionTokens: 15 });
  });

  test('bindTools streamed: thinking, text and the tool call assembled from the relayed deltas', async () => {
    anthropicAnswer = anthropicPair('thinking-tool');
    const model = claude({ maxTokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }).bindTools([weatherTool]);
    const message = await collect(await model.stream('Weather in Paris?'));
    expect(message.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: WEATHER_PARIS, type: 'tool_call' }]);
    const blocks = message.content as any[];
    expect(blocks.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'input_json_delta']);
    expect(blocks[0].signature).toBe(fixtureJson('anthropic', 'thinking-tool.json').content[0].signature);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 472, completionTokens: 89 });
  });
});

describe('ChatAnthropic to an OpenAI model (translated to chat completions)', () => {
  const TEXT = 'Hello! How can I help you today?';

  test('invoke: OpenAI text and usage as an Anthropic message; the system prompt and max_tokens translated; one row', async () => {
    openaiAnswer = chatAnswer(fixtureJson('openai', 'chat.json'), []);
    const reply = await gpt({ maxTokens: 200 }).invoke([new SystemMessage('Be brief.'), new HumanMessage('Hello')]);
    expect(reply.content).toBe(TEXT);
    expect(reply.response_metadata).toMatchObject({ model: 'openai/gpt-4o-mini', stop_reason: 'end_turn' });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 9, total_tokens: 28 });
    const sent = openai.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');
    expect(sent.body).toMatchObject({
      model: 'gpt-4o-mini', max_completion_tokens: 200, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }],
    });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', provider: 'openai', stream: false, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('stream: the text from the translated events, output tokens from message_delta; the row has the upstream counts', async () => {
    openaiAnswer = chatAnswer(null, readChunks('openai', 'text.chunks.txt'));
    const message = await collect(await gpt().stream('Hello'));
    expect(message.content).toBe(TEXT);
    expect(message.additional_kwargs.stop_reason).toBe('end_turn');
    // LangChain reads input tokens from message_start only, sent before a chat upstream reports any:
    // the gateway's approximation of the prompt (the exact 19 go in message_delta, which LangChain ignores).
    expect(message.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(message.usage_metadata?.output_tokens).toBe(9);
    expect(openai.last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', provider: 'openai', stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools round trip: both calls as tool_use blocks, then the tool results reach OpenAI as tool messages', async () => {
    const model = gpt().bindTools([weatherTool]);
    openaiAnswer = chatAnswer(fixtureJson('openai', 'tools.json'), []);
    const mark = rec.ids.length;
    const user = new HumanMessage('Weather in Paris and Tokyo?');
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([
      { id: 'call_Kx9mPa2QwErT', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' },
      { id: 'call_Lm3nQb7ZxCvB', name: 'get_weather', args: { city: 'Tokyo' }, type: 'tool_call' },
    ]);
    expect(first.response_metadata.stop_reason).toBe('tool_use');
    expect(openai.last().body.tools).toEqual([weatherTool]);

    const answer = 'Paris: 18°C and sunny. Tokyo: 24°C with rain.';
    openaiAnswer = chatAnswer(fixtureWith('openai', 'chat.json', (j) => (j.choices[0].message.content = answer)), []);
    const results = first.tool_calls!.map((c, i) => new ToolMessage({ tool_call_id: c.id!, content: i === 0 ? '18°C, sunny' : '24°C, rain' }));
    const second = await model.invoke([user, first, ...results]);
    expect(second.content).toBe(answer);
    const sent = openai.last().body.messages;
    expect(sent).toEqual([
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_Kx9mPa2QwErT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_Lm3nQb7ZxCvB', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: '24°C, rain' },
    ]);
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ provider: 'openai', status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ provider: 'openai', status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools streamed: both tool_use blocks assembled from the translated input_json deltas', async () => {
    openaiAnswer = chatAnswer(null, readChunks('openai', 'tools.chunks.txt'));
    const message = await collect(await gpt().bindTools([weatherTool]).stream('Weather in Paris and Tokyo?'));
    expect(message.tool_calls).toEqual([
      { id: 'call_Kx9mPa2QwErT', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' },
      { id: 'call_Lm3nQb7ZxCvB', name: 'get_weather', args: { city: 'Tokyo' }, type: 'tool_call' },
    ]);
    expect(message.additional_kwargs.stop_reason).toBe('tool_use');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'openai', stream: true, promptTokens: 82, completionTokens: 46 });
  });

  test('withStructuredOutput: the forced tool becomes an OpenAI tool_choice, its arguments are parsed', async () => {
    openaiAnswer = chatAnswer(
      fixtureWith('openai', 'tools.json', (j) => {
        j.choices[0].message.tool_calls = [{ id: 'call_St7uCt', type: 'function', function: { name: 'weather_query', arguments: '{"city":"Nantes"}' } }];
        j.choices[0].finish_reason = 'stop';
        j.usage = { ...j.usage, prompt_tokens: 61, completion_tokens: 8, total_tokens: 69 };
      }),
      [],
    );
    const structured = gpt().withStructuredOutput(weatherSchema, { name: 'weather_query' });
    expect(await structured.invoke('Where is the Château des ducs de Bretagne?')).toEqual({ city: 'Nantes' });
    const sent = openai.last().body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'weather_query', description: expect.any(String), parameters: weatherSchema } }]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'weather_query' } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'openai', status: 200, promptTokens: 61, completionTokens: 8 });
  });
});

describe('errors surface as the Anthropic SDK errors LangChain wraps, with their status', () => {
  const drain = async (stream: Promise<AsyncIterable<unknown>>) => {
    for await (const _ of await stream);
  };
  async function lcError(p: Promise<unknown>): Promise<Error & { status?: number; error?: any; lc_error_code?: string }> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    if (err === null) throw new Error('expected the call to fail');
    expect(err).toBeInstanceOf(Error);
    return err as Error & { status?: number; error?: any; lc_error_code?: string };
  }

  test('a bad key: 401 authentication_error in Anthropic shape; nothing reaches the upstreams, no row is written', async () => {
    const before = { anthropic: anthropic.requests.length, openai: openai.requests.length, rows: gw.logs.length };
    const bad = { apiKey: 'gg-test-not-a-real-key' };
    for (const [what, call] of [
      ['claude invoke', () => claude(bad).invoke('Hello')],
      ['claude stream', () => drain(claude(bad).stream('Hello'))],
      ['gpt invoke', () => gpt(bad).invoke('Hello')],
    ] as const) {
      const err = await lcError(call());
      expect([what, err.status, err.error]).toEqual([what, 401, { type: 'error', error: { type: 'authentication_error', message: 'Incorrect or revoked API key.', details: { error_code: 'invalid_api_key' } } }]);
      expect(err.lc_error_code).toBe('MODEL_AUTHENTICATION');
      expect(rec.ids.at(-1)).toBe('');
    }
    expect({ anthropic: anthropic.requests.length, openai: openai.requests.length, rows: gw.logs.length }).toEqual(before);
  });

  test('an unknown model: 404 not_found_error in Anthropic shape, each call logged as a 404 row', async () => {
    for (const [what, call, stream] of [
      ['invoke', () => claude({ model: 'no-such-model' }).invoke('Hello'), false],
      ['stream', () => drain(claude({ model: 'no-such-model' }).stream('Hello')), true],
    ] as const) {
      const err = await lcError(call());
      expect([what, err.status, err.error]).toEqual([
        what, 404, { type: 'error', error: { type: 'not_found_error', message: "The model 'no-such-model' does not exist or is not enabled.", details: { error_code: 'model_not_found' } } },
      ]);
      expect(err.lc_error_code).toBe('MODEL_NOT_FOUND');
      expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', status: 404, stream, modelRequested: 'no-such-model', clientId: gw.clientId });
    }
  });

  test('an upstream overload on Anthropic: 529 overloaded_error passed on, logged as such', async () => {
    anthropicAnswer = () => jsonResponse(fixtureJson('anthropic', 'error-529.json'), 529);
    const err = await lcError(claude().invoke('Hello'));
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: 529 });
  });
});
