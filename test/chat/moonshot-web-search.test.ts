/**
 * Kimi searches the web through its builtin tool: `tools: [{type: "builtin_function", function:
 * {name: "$web_search"}}]`. It answers with finish_reason tool_calls and a call of that tool (type
 * builtin_function) whose arguments the client sends back as the tool result; the search content
 * then bills as prompt tokens of the next call, and each `$web_search` call bills $0.005
 * (platform.kimi.ai, WebSearch pricing). The gateway's own 400 for web_search_options names this
 * tool, yet refused it ("tools[0].type must be 'function'"), and its `$` name would have gone up
 * renamed. Other providers refuse it before the call, naming the tool. The official openai client
 * over real HTTP against a fake Kimi; each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let kimi: FakeUpstream;
let deepseek: FakeUpstream;
/** Gemini and Anthropic build their own bodies: the refusal is made before any adapter's. */
let gemini: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  kimi = startFakeUpstream();
  deepseek = startFakeUpstream();
  gemini = startFakeUpstream();
  anthropic = startFakeUpstream();
  gw = await startGateway({
    env: {
      ...providerEnv('moonshot', `${kimi.url}/v1`),
      ...providerEnv('deepseek', `${deepseek.url}/v1`),
      ...providerEnv('gemini', gemini.url),
      ...providerEnv('anthropic', anthropic.url),
    },
  });
});
afterAll(async () => {
  await gw?.close();
  for (const f of [kimi, deepseek, gemini, anthropic]) f?.close();
});

/** What the client sends: Kimi's builtin search beside a function of its own whose name Kimi refuses (it goes up renamed). */
const tools = [
  { type: 'builtin_function', function: { name: '$web_search' } },
  { type: 'function', function: { name: '21st_lookup', parameters: { type: 'object', properties: {} } } },
] as unknown as OpenAI.ChatCompletionTool[];
const ask = [{ role: 'user' as const, content: 'What is in the news today?' }];
const ARGS = '{"search_result":{"search_id":"9f6c0e2a"},"usage":{"total_tokens":4096}}';
const searchCall = { index: 0, id: 'tool_Ws7kFq0hN3', type: 'builtin_function', function: { name: '$web_search', arguments: ARGS } };
const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };

/** kimi-k2.6: input $0.95, output $4 per 1M (genai-prices); a search $0.005. */
const tokensUsd = (u: { prompt_tokens: number; completion_tokens: number }) => (u.prompt_tokens * 0.95 + u.completion_tokens * 4) / 1e6;

test('non-stream: the builtin tool goes up as sent, the search call comes back as Kimi made it, the row bills the search', async () => {
  kimi.handler = () =>
    jsonResponse({
      id: 'chatcmpl-ws1', object: 'chat.completion', created: 1760000000, model: 'kimi-k2.6',
      choices: [{ index: 0, message: { role: 'assistant', content: '', reasoning_content: 'I should search.', tool_calls: [searchCall] }, finish_reason: 'tool_calls' }],
      usage,
    });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: ask, tools }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('tool_calls');
  expect(data.choices[0]!.message.tool_calls).toEqual([searchCall as any]);
  const sent = kimi.last().body;
  expect(sent.tools[0]).toEqual({ type: 'builtin_function', function: { name: '$web_search' } });
  expect(sent.tools[1].function.name).not.toBe('21st_lookup'); // renamed for Kimi, as before
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, promptTokens: 120, completionTokens: 30 });
  expect(row.costUsd).toBeCloseTo(tokensUsd(usage) + 0.005, 9);
});

test('the next turn: the search call and its result go back as the client sent them; an answer without a search bills none', async () => {
  const answer = { prompt_tokens: 4300, completion_tokens: 80, total_tokens: 4380 };
  kimi.handler = () =>
    jsonResponse({
      id: 'chatcmpl-ws2', object: 'chat.completion', created: 1760000001, model: 'kimi-k2.6',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Today: ...', reasoning_content: 'Summarise.' }, finish_reason: 'stop' }],
      usage: answer,
    });
  const messages = [
    ...ask,
    { role: 'assistant', content: '', reasoning_content: 'I should search.', tool_calls: [{ id: searchCall.id, type: 'builtin_function', function: searchCall.function }] },
    { role: 'tool', tool_call_id: searchCall.id, name: '$web_search', content: ARGS },
  ] as unknown as OpenAI.ChatCompletionMessageParam[];
  const { data, response } = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages, tools }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Today: ...');
  const sent = kimi.last().body;
  expect(sent.messages[1].tool_calls).toEqual([{ id: searchCall.id, type: 'builtin_function', function: searchCall.function }]);
  expect(sent.messages[2]).toMatchObject({ role: 'tool', tool_call_id: searchCall.id, name: '$web_search', content: ARGS });
  const row = await gw.waitForRow(response);
  expect(row.costUsd).toBeCloseTo(tokensUsd(answer), 9);
});

test('stream: the search call reaches the client, finish_reason tool_calls, and the row bills the search with the tokens', async () => {
  const head = { id: 'chatcmpl-ws3', object: 'chat.completion.chunk', created: 1760000002, model: 'kimi-k2.6' };
  kimi.handler = () =>
    sseResponse([
      JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Search first.' }, finish_reason: null }] }),
      JSON.stringify({ ...head, choices: [{ index: 0, delta: { tool_calls: [searchCall] }, finish_reason: null }] }),
      JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls', usage }] }),
      '[DONE]',
    ]);
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: ask, tools, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  const names: string[] = [];
  let finish: string | null = null;
  for await (const c of stream) {
    for (const tc of c.choices[0]?.delta.tool_calls ?? []) if (tc.function?.name) names.push(tc.function.name);
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  expect(names).toEqual(['$web_search']);
  expect(finish).toBe('tool_calls');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, promptTokens: 120, completionTokens: 30 });
  expect(row.costUsd).toBeCloseTo(tokensUsd(usage) + 0.005, 9);
});

for (const [model, upstream] of [
  ['deepseek/deepseek-chat', () => deepseek],
  ['gemini/gemini-2.5-flash', () => gemini],
  ['anthropic/claude-sonnet-4-5', () => anthropic],
] as const) {
  test(`another provider (${model}): 400 unsupported_parameter naming the builtin tool, before any call; one row`, async () => {
    const before = upstream().requests.length;
    const err = await gw.openai().chat.completions.create({ model, messages: ask, tools }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ param: 'tools[0].type', code: 'unsupported_parameter' });
    expect(err.message).toContain('$web_search');
    expect(err.message).toContain(`provider '${model.split('/')[0]}'`);
    expect(upstream().requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
  });
}

test('stream left by its client after the search call, before the usage: the row bills the search beside its estimate', async () => {
  const head = { id: 'chatcmpl-ws4', object: 'chat.completion.chunk', created: 1760000003, model: 'kimi-k2.6' };
  kimi.handler = () =>
    sseResponse(
      [
        JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
        JSON.stringify({ ...head, choices: [{ index: 0, delta: { tool_calls: [searchCall] }, finish_reason: null }] }),
        JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls', usage }] }),
      ],
      { hangAfter: 2 },
    );
  const ac = new AbortController();
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: ask, tools, stream: true }, { signal: ac.signal })
    .withResponse();
  for await (const c of stream) if (c.choices[0]?.delta.tool_calls?.length) break; // the call reached the client: it leaves
  ac.abort();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 499, estimated: true });
  // Its prompt and the call's text estimated, at kimi-k2.6's cents per thousand tokens, and the search.
  expect(row.costUsd).toBeGreaterThan(0.005);
  expect(row.costUsd).toBeLessThan(0.006);
});

test('the next turn streamed and left by its client before the usage: the row estimates its prompt with the search content the result states', async () => {
  const head = { id: 'chatcmpl-ws5', object: 'chat.completion.chunk', created: 1760000004, model: 'kimi-k2.6' };
  kimi.handler = () =>
    sseResponse(
      [
        JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Today' }, finish_reason: null }] }),
        JSON.stringify({ ...head, choices: [{ index: 0, delta: { content: ': markets rose.' }, finish_reason: null }] }),
      ],
      { hangAfter: 2 },
    );
  const messages = [
    ...ask,
    { role: 'assistant', content: '', tool_calls: [{ id: searchCall.id, type: 'builtin_function', function: searchCall.function }] },
    { role: 'tool', tool_call_id: searchCall.id, name: '$web_search', content: ARGS },
  ] as unknown as OpenAI.ChatCompletionMessageParam[];
  const ac = new AbortController();
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'moonshot/kimi-k2.6', messages, tools, stream: true }, { signal: ac.signal })
    .withResponse();
  for await (const c of stream) if (c.choices[0]?.delta.content?.includes('rose')) break;
  ac.abort();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 499, estimated: true });
  // Kimi bills the search's 4,096 tokens of content as prompt (ARGS states them); the body shows under a hundred.
  expect(row.promptTokens).toBeGreaterThan(4096);
  expect(row.promptTokens).toBeLessThan(4096 + 200);
  expect(row.costUsd).toBeCloseTo(tokensUsd({ prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens }), 9);
});
