/**
 * Kimi (Moonshot) through the three client APIs with the official SDKs, where the gateway's
 * reasoning memory cannot help: turn 2 of a kimi-k2-thinking tool loop comes from another client
 * key, so the reasoning Kimi requires back ("thinking is enabled but reasoning_content is missing in
 * assistant tool call message at index N", kimi.com Kimi Code error reference) must come from what
 * the client sent: Anthropic thinking blocks on /v1/messages, Responses `reasoning` items on the
 * bridge. Also Kimi's stream with n > 1 (usage inside each choice's last chunk, Moonshot's shape),
 * and n > 1 at temperature 0, which Kimi refuses ("When temperature is close to 0, n can only be 1.
 * Otherwise, the API returns invalid_request_error", platform.kimi.ai/docs/api/models-overview):
 * passed through as its 400, not changed.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const REASONING = 'The user wants the weather in Paris and Tokyo. I will call get_weather for each city.';
const MODEL = 'moonshot/kimi-k2-thinking';
const QUESTION = 'Weather in Paris and Tokyo?';
const N_REFUSAL = 'Invalid request: when temperature is close to 0, n can only be 1';

let fake: FakeUpstream;
let gw: TestGateway;
/** What the fake answers to a first turn (no tool results yet). */
let firstTurn: () => Response;
beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => {
    const b = rec.body;
    if (b.n > 1 && b.temperature === 0) return jsonResponse({ error: { message: N_REFUSAL, type: 'invalid_request_error' } }, 400);
    if (!b.messages.some((m: any) => m.role === 'tool')) return firstTurn();
    // Kimi's own check in thinking mode.
    const i = b.messages.findIndex((m: any) => m.role === 'assistant' && m.tool_calls && typeof m.reasoning_content !== 'string');
    if (i >= 0) return jsonResponse({ error: { message: `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`, type: 'invalid_request_error' } }, 400);
    return jsonResponse(JSON.parse(fixtureText('moonshot', 'chat.json')));
  });
  gw = await startGateway({ env: providerEnv('moonshot', `${fake.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** A client key nothing was remembered for. */
const freshKey = () => gw.addClient(`kimi-${crypto.randomUUID()}`).key;
const toolTurn = (stream: boolean) => () =>
  stream ? sseResponse(readChunks('moonshot', 'thinking-tools.chunks.txt')) : jsonResponse(JSON.parse(fixtureText('moonshot', 'thinking-tools.json')));
/** The assistant tool-call message turn 2 reached Kimi with. */
const sentAssistant = () => fake.last().body.messages.find((m: any) => m.role === 'assistant');

for (const stream of [false, true]) {
  test(`/v1/messages (stream ${stream}): turn 2 from another key sends the thinking blocks back, and Kimi gets them as reasoning_content; one row`, async () => {
    firstTurn = toolTurn(stream);
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
    const question = { role: 'user' as const, content: QUESTION };
    const first = new Anthropic({ apiKey: freshKey(), baseURL: gw.url, maxRetries: 0 });
    const params = { model: MODEL, max_tokens: 500, messages: [question], tools };
    const r1 = stream ? await first.messages.stream(params).finalMessage() : await first.messages.create(params);
    expect(r1.content[0]).toEqual({ type: 'thinking', thinking: REASONING, signature: '' });
    const uses = r1.content.filter((b) => b.type === 'tool_use');
    expect(uses).toHaveLength(2);
    const second = new Anthropic({ apiKey: freshKey(), baseURL: gw.url, maxRetries: 0 });
    const results = uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'sunny' }));
    const { data, response } = await second.messages
      .create({ model: MODEL, max_tokens: 500, tools, messages: [question, { role: 'assistant', content: r1.content }, { role: 'user', content: results }] })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'Hello! How can I help?', citations: null }]);
    expect(sentAssistant()).toMatchObject({ reasoning_content: REASONING, tool_calls: [{ id: 'functions.get_weather:0' }, { id: 'functions.get_weather:1' }] });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'moonshot', status: 200 });
  });

  test(`/v1/responses bridge (stream ${stream}): turn 2 from another key sends the reasoning item back, and Kimi gets it as reasoning_content; one row`, async () => {
    firstTurn = toolTurn(stream);
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const first = gw.openai(freshKey());
    let output: any[] = [];
    if (stream) {
      for await (const e of await first.responses.create({ model: MODEL, input: QUESTION, tools, store: false, stream: true })) {
        if (e.type === 'response.completed') output = e.response.output;
      }
    } else output = (await first.responses.create({ model: MODEL, input: QUESTION, tools, store: false })).output;
    expect(output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: REASONING }] });
    const calls = output.filter((o) => o.type === 'function_call');
    expect(calls).toHaveLength(2);
    const input = [{ role: 'user' as const, content: QUESTION }, ...output, ...calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: 'sunny' }))];
    const { data, response } = await gw.openai(freshKey()).responses.create({ model: MODEL, tools, store: false, input }).withResponse();
    expect(data.output_text).toBe('Hello! How can I help?');
    expect(sentAssistant()).toMatchObject({ reasoning_content: REASONING });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', provider: 'moonshot', status: 200 });
  });
}

test('a stream of n=2: usage inside each choice\'s last chunk is one usage chunk for the client and billed once', async () => {
  const base = { id: 'chatcmpl-n2', object: 'chat.completion.chunk', created: 1779265300, model: 'kimi-k2-0905-preview' };
  const usage = { prompt_tokens: 19, completion_tokens: 26, total_tokens: 45, cached_tokens: 8 };
  firstTurn = () =>
    sseResponse(
      [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'A' }, finish_reason: null }] },
        { ...base, choices: [{ index: 1, delta: { role: 'assistant', content: 'B' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop', usage }] },
        { ...base, choices: [{ index: 1, delta: {}, finish_reason: 'stop', usage }] },
      ]
        .map((c) => JSON.stringify(c))
        .concat('[DONE]'),
    );
  const { data, response } = await gw
    .openai()
    .chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: [{ role: 'user', content: 'hi' }], n: 2, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  const usages: unknown[] = [];
  const text: string[] = ['', ''];
  for await (const c of data) {
    if (c.usage) usages.push(c.usage);
    for (const ch of c.choices) text[ch.index] += ch.delta?.content ?? '';
  }
  expect(text).toEqual(['A', 'B']);
  expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 19, completion_tokens: 26, prompt_tokens_details: { cached_tokens: 8 } })]);
  expect(await gw.waitForRow(response)).toMatchObject({ promptTokens: 19, cachedTokens: 8, completionTokens: 26 });
});

for (const stream of [false, true]) {
  test(`n=2 at temperature 0 (stream ${stream}): Kimi's invalid_request_error reaches the client as its 400, the request as sent; one row`, async () => {
    const err: any = await gw
      .openai()
      .chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: [{ role: 'user', content: 'hi' }], n: 2, temperature: 0, stream })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining(N_REFUSAL) });
    expect(fake.last().body).toMatchObject({ n: 2, temperature: 0 });
    expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ provider: 'moonshot', status: 400 });
  });
}
