/**
 * OpenAI's Responses-only models (gpt-5-pro, o3-pro, gpt-5-codex...) through the gateway's chat and
 * Messages endpoints: OpenAI's chat API answers them 404 "This model is only supported in
 * v1/responses and not in v1/chat/completions.", so the OpenAI adapter sends their calls to
 * /v1/responses, translated, and answers in chat's shape. A fake OpenAI answers so (its real 404
 * body on chat, real Responses JSON and SSE shapes on /v1/responses) and records what it got.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseEventsResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from '../messages/messages-helpers';
import { openaiSchemaErrors } from '../helpers/openai-schema';

/** OpenAI's 404 for a Responses-only model on /v1/chat/completions, as it sends it. */
const ONLY_RESPONSES = { error: { message: 'This model is only supported in v1/responses and not in v1/chat/completions.', type: 'invalid_request_error', param: 'model', code: null } };
/** A model the gateway does not know by name as Responses-only: learned from the 404. */
const UNKNOWN = 'gpt-daybreak-blue-latest';
/** Another, first asked for as a stream through /v1/messages. */
const UNKNOWN_2 = 'gpt-rosalind-research';
const CHAT_REFUSES = new Set(['gpt-5-pro', 'gpt-5-codex', 'o3-pro', UNKNOWN, UNKNOWN_2]);

const textResponse = (model: string) => ({ ...fixtureJson('responses', 'openai-response.json'), model });
const toolsResponse = () => fixtureJson('openai', 'responses-tools.json');
const sse = (events: any[]) => sseEventsResponse(events.map((e) => ({ event: e.type, data: JSON.stringify(e) })));
const textEvents = (model: string) => fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n').map((l) => {
  const e = JSON.parse(l);
  if (e.response) e.response.model = model;
  return e;
});
const toolEvents = () => readChunks('openai', 'responses-tools.chunks.txt').map((l) => JSON.parse(l));

/** What the fake answers on /v1/responses next (default: text, as JSON or SSE as asked). */
let next: ((r: RecordedRequest) => Response) | null = null;
let openai: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  openai = startFakeUpstream((_req, r) => {
    if (r.path === '/v1/chat/completions') return CHAT_REFUSES.has(r.body.model) ? jsonResponse(ONLY_RESPONSES, 404) : jsonResponse(fixtureJson('openai', 'chat.json'));
    if (r.path !== '/v1/responses') return jsonResponse({ error: { message: 'unexpected path' } }, 500);
    if (next) return next(r);
    return r.body.stream ? sse(textEvents(r.body.model)) : jsonResponse(textResponse(r.body.model));
  });
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai' }) });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

const callsTo = (path: string, model: string) => openai.requests.filter((r) => r.path === path && r.body?.model === model).length;

test('non-stream: gpt-5-pro goes to /v1/responses (never to chat), translated there and back; one row with its tokens', async () => {
  next = null;
  const { data, response } = await client.chat.completions
    .create({ model: 'openai/gpt-5-pro', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_tokens: 900, reasoning_effort: 'high', user: 'u-1' })
    .withResponse();
  expect(callsTo('/v1/chat/completions', 'gpt-5-pro')).toBe(0);
  expect(openai.last().path).toBe('/v1/responses');
  expect(openai.last().headers.authorization).toBe('Bearer sk-test-openai');
  expect(openai.last().body).toEqual({
    model: 'gpt-5-pro', instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: 'Hi' }], store: false,
    user: 'u-1', max_output_tokens: 900, reasoning: { effort: 'high' },
  });
  expect(openaiSchemaErrors('CreateChatCompletionResponse', data)).toEqual([]);
  expect(data.id).toStartWith('chatcmpl-');
  expect(data.choices[0]!.message.content).toBe('Hi! How can I help?');
  expect(data.choices[0]!.finish_reason).toBe('stop');
  expect(data.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 78, total_tokens: 99, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 64 } });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ provider: 'openai', model: 'openai/gpt-5-pro', status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64, estimated: false });
  // gpt-5-pro: 15 $/M input, 120 $/M output (reasoning is output).
  expect(row.costUsd).toBeCloseTo((21 * 15 + 78 * 120) / 1e6, 12);
});

test('stream: output_text deltas become content deltas, response.completed the finish chunk and the usage chunk', async () => {
  next = null;
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'openai/o3-pro', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  const chunks: any[] = [];
  for await (const c of stream) chunks.push(c);
  expect(openai.last().body).toMatchObject({ model: 'o3-pro', stream: true, store: false, input: [{ type: 'message', role: 'user', content: 'Hello' }] });
  expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello! How can I help?');
  expect(chunks[0].choices[0].delta.role).toBe('assistant');
  for (const c of chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
  expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
  expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ model: 'openai/o3-pro', stream: true, status: 200, promptTokens: 9, completionTokens: 7, estimated: false });
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

test('tools round trip: function_call items are tool_calls; the call and its result go back as function_call / function_call_output items; exact cost', async () => {
  next = () => jsonResponse({ ...toolsResponse(), model: 'gpt-5-codex' });
  const ask: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }];
  const first = await client.chat.completions.create({ model: 'openai/gpt-5-codex', messages: ask, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).withResponse();
  expect(openai.last().body).toMatchObject({
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' }] }],
    tools: [{ type: 'function', name: 'get_weather', description: 'Current weather for a city', parameters: weather.function.parameters, strict: false }],
    tool_choice: { type: 'function', name: 'get_weather' },
  });
  expect(openaiSchemaErrors('CreateChatCompletionResponse', first.data)).toEqual([]);
  const choice = first.data.choices[0]!;
  expect(choice.finish_reason).toBe('tool_calls');
  expect(choice.message.tool_calls).toEqual([{ id: 'call_Qx7fK2mPz9LdW3nB', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  const row = await gw.waitForRow(first.response);
  expect(row).toMatchObject({ model: 'openai/gpt-5-codex', promptTokens: 812, cachedTokens: 512, completionTokens: 394, reasoningTokens: 372 });
  // gpt-5-codex: 1.25 $/M input, 0.125 $/M cached input, 10 $/M output (reasoning billed as output).
  expect(row.costUsd).toBeCloseTo(((812 - 512) * 1.25 + 512 * 0.125 + 394 * 10) / 1e6, 12);

  next = null;
  await client.chat.completions.create({ model: 'openai/gpt-5-codex', messages: [...ask, choice.message, { role: 'tool', tool_call_id: 'call_Qx7fK2mPz9LdW3nB', content: '18°C, sunny' }], tools: [weather] });
  expect(openai.last().body.input.slice(1)).toEqual([
    { type: 'function_call', call_id: 'call_Qx7fK2mPz9LdW3nB', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_Qx7fK2mPz9LdW3nB', output: '18°C, sunny' },
  ]);
});

test('stream with tools: the function_call item and its argument deltas become indexed tool_calls deltas', async () => {
  next = () => sse(toolEvents());
  const stream = await client.chat.completions.create({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather], stream: true });
  const deltas: any[] = [];
  let finish: string | null = null;
  for await (const c of stream) {
    for (const tc of c.choices[0]?.delta?.tool_calls ?? []) deltas.push(tc);
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  expect(deltas[0]).toEqual({ index: 0, id: 'call_Qx7fK2mPz9LdW3nB', type: 'function', function: { name: 'get_weather', arguments: '' } });
  expect(deltas.map((d) => d.function.arguments).join('')).toBe('{"city":"Paris"}');
  expect(deltas.every((d) => d.index === 0)).toBe(true);
  expect(finish).toBe('tool_calls');
});

test("stream with a custom tool: gpt-5-codex's custom_tool_call streams as chat's custom call deltas (not dropped); the tool went up as it came", async () => {
  const [created, ...rest] = textEvents('gpt-5-codex');
  const completed = rest.at(-1);
  const item = { id: 'ctc_68b2d4e6f8a0819db1c3e5a7b9d1f3a5', type: 'custom_tool_call', status: 'completed', call_id: 'call_Cx9Patch01', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' };
  completed.response.output = [item];
  const events = [
    created,
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', input: '' }, sequence_number: 1 },
    { type: 'response.custom_tool_call_input.delta', item_id: item.id, output_index: 0, delta: '*** Begin Patch\n', sequence_number: 2 },
    { type: 'response.custom_tool_call_input.delta', item_id: item.id, output_index: 0, delta: '*** End Patch', sequence_number: 3 },
    { type: 'response.custom_tool_call_input.done', item_id: item.id, output_index: 0, input: item.input, sequence_number: 4 },
    { type: 'response.output_item.done', output_index: 0, item, sequence_number: 5 },
    { ...completed, sequence_number: 6 },
  ];
  next = () => sse(events);
  const tool = { type: 'custom' as const, custom: { name: 'apply_patch', description: 'Edits files.' } };
  const stream = await client.chat.completions.create({ model: 'openai/gpt-5-codex', messages: [{ role: 'user', content: 'Patch it' }], tools: [tool], stream: true });
  const deltas: any[] = [];
  for await (const c of stream) deltas.push(...(c.choices[0]?.delta?.tool_calls ?? []));
  expect(deltas[0]).toEqual({ index: 0, id: 'call_Cx9Patch01', type: 'custom', custom: { name: 'apply_patch', input: '' } });
  expect(deltas.map((d) => d.custom.input).join('')).toBe(item.input);
  expect(openai.requests.at(-1)!.body.tools).toEqual([{ type: 'custom', name: 'apply_patch', description: 'Edits files.' }]);
});

test('structured output: response_format json_schema goes as text.format; the answer is the JSON text', async () => {
  const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
  next = (r) => {
    const out = textResponse(r.body.model);
    out.output[1].content[0].text = '{"answer":4}';
    return jsonResponse(out);
  };
  const data = await client.chat.completions.create({
    model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: '2+2?' }],
    response_format: { type: 'json_schema', json_schema: { name: 'sum', schema, strict: true } },
  });
  expect(openai.last().body.text).toEqual({ format: { type: 'json_schema', name: 'sum', schema, strict: true } });
  expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ answer: 4 });
  await client.chat.completions.create({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } });
  expect(openai.last().body.text).toEqual({ format: { type: 'json_object' } });
});

test('/v1/messages stream to openai/gpt-5-pro (Anthropic SDK): answered from /v1/responses', async () => {
  next = null;
  const anthropic = anthropicClient(gw);
  const stream = anthropic.messages.stream({ model: 'openai/gpt-5-pro', max_tokens: 1000, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
  const message = await stream.finalMessage();
  expect(message.content).toMatchObject([{ type: 'text', text: 'Hello! How can I help?' }]);
  expect(message.stop_reason).toBe('end_turn');
  expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 7 });
  expect(openai.last()).toMatchObject({ path: '/v1/responses', body: { model: 'gpt-5-pro', instructions: 'Be brief.', stream: true, max_output_tokens: 1000 } });
  const row = await gw.waitForRow((await stream.withResponse()).response);
  expect(row).toMatchObject({ endpoint: 'messages', model: 'openai/gpt-5-pro', status: 200, promptTokens: 9, completionTokens: 7 });
});

test('a model OpenAI says is Responses-only (404) is learned: that request retried once via Responses, later ones go there at once; one row', async () => {
  next = null;
  const first = await client.chat.completions.create({ model: `openai/${UNKNOWN}`, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  expect(first.data.choices[0]!.message.content).toBe('Hi! How can I help?');
  expect(callsTo('/v1/chat/completions', UNKNOWN)).toBe(1);
  expect(callsTo('/v1/responses', UNKNOWN)).toBe(1);
  const row = await gw.waitForRow(first.response);
  expect(row).toMatchObject({ model: `openai/${UNKNOWN}`, status: 200, promptTokens: 21, completionTokens: 78, error: null });

  const stream = await client.chat.completions.create({ model: `openai/${UNKNOWN}`, messages: [{ role: 'user', content: 'Hi' }], stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  expect(text).toBe('Hello! How can I help?');
  expect(callsTo('/v1/chat/completions', UNKNOWN)).toBe(1);
  expect(callsTo('/v1/responses', UNKNOWN)).toBe(2);
});

test('a failed response ends the stream with the gateway error event; its row says so', async () => {
  const events = textEvents('gpt-5-pro').slice(0, 5);
  events.push({ type: 'response.failed', sequence_number: 5, response: { ...events[0].response, status: 'failed', error: { code: 'server_error', message: 'The model failed to generate a response.' } } });
  next = () => sse(events);
  const { data: stream, response } = await client.chat.completions.create({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], stream: true }).withResponse();
  const failure = await (async () => {
    try {
      for await (const _ of stream);
    } catch (err) {
      return err as Error;
    }
  })();
  expect(failure?.message).toContain('The model failed to generate a response.');
  const row = await gw.waitForRow(response);
  expect(row.status).toBe(502);
});

test('a chat model (gpt-4o) still goes to /v1/chat/completions', async () => {
  const before = openai.requests.length;
  const data = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
  expect(data.choices[0]!.message.content).toBeTruthy();
  expect(openai.requests.slice(before).map((r) => r.path)).toEqual(['/v1/chat/completions']);
});

test('an answer cut at max_output_tokens (status incomplete) finishes with length; a chat field Responses lacks is a 400 naming it, before any call', async () => {
  next = (r) => jsonResponse({ ...textResponse(r.body.model), status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  const cut = await client.chat.completions.create({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 100 });
  expect(cut.choices[0]!.finish_reason).toBe('length');
  expect(openai.last().body.max_output_tokens).toBe(100);

  const before = openai.requests.length;
  for (const [extra, param] of [[{ stop: ['\n'] }, 'stop'], [{ n: 2 }, 'n']] as const) {
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], ...extra }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param });
    expect(await gw.waitForRow(res)).toMatchObject({ status: 400, model: 'openai/gpt-5-pro' });
  }
  const audio = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }),
  });
  expect(audio.status).toBe(400);
  expect((await audio.json()).error).toMatchObject({ code: 'unsupported_parameter', param: 'messages[0].content[0].type' });
  expect(openai.requests.length).toBe(before);
});

test("an `error` event mid-stream (OpenAI's rate limit) ends the stream with the gateway error event, in OpenAI's words", async () => {
  const events = textEvents('gpt-5-pro').slice(0, 5);
  events.push({ type: 'error', code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-5-pro.', param: null, sequence_number: 5 });
  next = () => sse(events);
  const { data: stream, response } = await client.chat.completions.create({ model: 'openai/gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], stream: true }).withResponse();
  let text = '';
  const failure = await (async () => {
    try {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    } catch (err) {
      return err as Error;
    }
  })();
  expect(text).toBe('Hello');
  expect(failure?.message).toContain('Rate limit reached for gpt-5-pro.');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 429, errorType: expect.any(String) });
});

test('learned on a stream too: /v1/messages streaming to an unknown Responses-only model is answered after one 404; one row', async () => {
  next = null;
  const stream = anthropicClient(gw).messages.stream({ model: `openai/${UNKNOWN_2}`, max_tokens: 500, messages: [{ role: 'user', content: 'Hello' }] });
  const message = await stream.finalMessage();
  expect(message.content).toMatchObject([{ type: 'text', text: 'Hello! How can I help?' }]);
  expect(callsTo('/v1/chat/completions', UNKNOWN_2)).toBe(1);
  expect(callsTo('/v1/responses', UNKNOWN_2)).toBe(1);
  const row = await gw.waitForRow((await stream.withResponse()).response);
  expect(row).toMatchObject({ endpoint: 'messages', status: 200, promptTokens: 9, completionTokens: 7, error: null });
});
