/**
 * Kimi streams that end (finish reason, [DONE]) without a usage chunk, for a client that asked for
 * usage (`stream_options.include_usage`): the gateway sends its own estimate as OpenAI's usage-only
 * chunk, and the row bills those very numbers. That estimate must bill what Kimi bills for its
 * builtin `$web_search` as an answer with usage would: the $0.005 of each call the stream made, and
 * on the next turn the search content the tool result states (`usage.total_tokens` of its JSON) as
 * prompt tokens (the body shows a few bytes of it; Kimi reads the content by its search id). The
 * usage chunk's estimate left the content out, though the row of the same stream without
 * include_usage counted it; a whole answer without usage lost its calls' fees. The official openai
 * client over real HTTP against a fake Kimi replaying its wire shape (usage, when it comes, inside
 * `choices[0]`); rows found by x-request-id; costs exact.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { estimateUsage } from '../../src/usage/estimate-usage';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let kimi: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  kimi = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
});
afterAll(async () => {
  await gw?.close();
  kimi?.close();
});

const tools = [{ type: 'builtin_function', function: { name: '$web_search' } }] as unknown as OpenAI.ChatCompletionTool[];
const ask = [{ role: 'user' as const, content: 'What is in the news today?' }];
/** What Kimi's `$web_search` call carries, and the client sends back as its result: the content's 4,096 tokens. */
const ARGS = '{"search_result":{"search_id":"9f6c0e2a"},"usage":{"total_tokens":4096}}';
const SEARCH_TOKENS = 4096;
const searchCall = { index: 0, id: 'tool_Ws7kFq0hN3', type: 'builtin_function', function: { name: '$web_search', arguments: ARGS } };
const nextTurn = [
  ...ask,
  { role: 'assistant', content: '', tool_calls: [{ id: searchCall.id, type: 'builtin_function', function: searchCall.function }] },
  { role: 'tool', tool_call_id: searchCall.id, name: '$web_search', content: ARGS },
] as unknown as OpenAI.ChatCompletionMessageParam[];

/** kimi-k2.6: input $0.95, output $4 per 1M (genai-prices); a search $0.005. */
const tokensUsd = (input: number, output: number) => (input * 0.95 + output * 4) / 1e6;

/** Streams `chunks` (Kimi's, then [DONE], no usage anywhere) to a client that asked for usage; the usage it got and the row. */
async function streamWithoutUsage(messages: OpenAI.ChatCompletionMessageParam[], chunks: unknown[]) {
  kimi.handler = () => sseResponse([...chunks.map((c) => JSON.stringify(c)), '[DONE]']);
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'moonshot/kimi-k2.6', messages, tools, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) if (c.usage) usage = c.usage;
  return { usage: usage!, row: await gw.waitForRow(response) };
}

test('a search call streamed without usage: the client\'s estimated usage and the row bill the search with the estimated tokens', async () => {
  const head = { id: 'chatcmpl-wse1', object: 'chat.completion.chunk', created: 1760000010, model: 'kimi-k2.6' };
  const { usage, row } = await streamWithoutUsage(ask, [
    { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: { tool_calls: [searchCall] }, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ]);
  // The delivered text is the call's name and arguments (stream tally order).
  const expected = await estimateUsage(ask, `$web_search${ARGS}`, gw.ctx.tokenCounter, tools);
  expect(usage).toMatchObject({ prompt_tokens: expected.input, completion_tokens: expected.output });
  expect(row).toMatchObject({ status: 200, estimated: true, promptTokens: expected.input, completionTokens: expected.output });
  expect(row.costUsd).toBeCloseTo(tokensUsd(expected.input, expected.output) + 0.005, 12);
});

test('the next turn streamed without usage: the client\'s estimated usage and the row count the search content the result states as prompt', async () => {
  const head = { id: 'chatcmpl-wse2', object: 'chat.completion.chunk', created: 1760000011, model: 'kimi-k2.6' };
  const { usage, row } = await streamWithoutUsage(nextTurn, [
    { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Today' }, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: { content: ': markets rose.' }, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ]);
  const body = await estimateUsage(nextTurn as any[], 'Today: markets rose.', gw.ctx.tokenCounter, tools);
  const input = body.input + SEARCH_TOKENS;
  expect(usage).toMatchObject({ prompt_tokens: input, completion_tokens: body.output, total_tokens: input + body.output });
  expect(row).toMatchObject({ status: 200, estimated: true, promptTokens: input, completionTokens: body.output });
  expect(row.costUsd).toBeCloseTo(tokensUsd(input, body.output), 12);
});

test('the next turn streamed without usage to a client that did not ask for it: the row counts the same search content', async () => {
  const head = { id: 'chatcmpl-wse3', object: 'chat.completion.chunk', created: 1760000012, model: 'kimi-k2.6' };
  kimi.handler = () =>
    sseResponse([
      JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Today: markets rose.' }, finish_reason: null }] }),
      JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      '[DONE]',
    ]);
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: nextTurn, tools, stream: true }).withResponse();
  for await (const c of stream) expect(c.usage ?? null).toBeNull();
  const body = await estimateUsage(nextTurn as any[], 'Today: markets rose.', gw.ctx.tokenCounter, tools);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, estimated: true, promptTokens: body.input + SEARCH_TOKENS, completionTokens: body.output });
  expect(row.costUsd).toBeCloseTo(tokensUsd(body.input + SEARCH_TOKENS, body.output), 12);
});

test('a search call answered whole without usage: the estimated usage the client gets and the row bill the search', async () => {
  const message = { role: 'assistant', content: '', tool_calls: [{ id: searchCall.id, type: 'builtin_function', function: searchCall.function }] };
  kimi.handler = () =>
    jsonResponse({ id: 'chatcmpl-wse4', object: 'chat.completion', created: 1760000013, model: 'kimi-k2.6', choices: [{ index: 0, message, finish_reason: 'tool_calls' }] });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: ask, tools }).withResponse();
  expect(data.choices[0]!.message.tool_calls).toEqual(message.tool_calls as any);
  const expected = await estimateUsage(ask, `$web_search${ARGS}`, gw.ctx.tokenCounter, tools);
  expect(data.usage).toMatchObject({ prompt_tokens: expected.input, completion_tokens: expected.output });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, estimated: true, promptTokens: expected.input, completionTokens: expected.output });
  expect(row.costUsd).toBeCloseTo(tokensUsd(expected.input, expected.output) + 0.005, 12);
});
