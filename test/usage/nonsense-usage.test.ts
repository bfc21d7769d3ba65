/**
 * Nonsense usage from an upstream (a negative count, a number sent as a string, 1e999 which JSON
 * reads as Infinity, 1e300 which is past any whole count a double holds exactly; and see below)
 * reads as Infinity) is no usage: the row's tokens are estimated from the prompt and the answer
 * the client got, and marked estimated, instead of billed as 0 and marked exact. Driven with the
 * official openai client through the real gateway; each row is found by its request id.
 */
import { describe, expect, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { jsonResponse, rawJsonResponse, sseEventsResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { chunks, fixture } from './load-fixture';

const fake = startFakeUpstream();
let gw: TestGateway;
useGateway(
  (g) => {
    gw = g;
  },
  {
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${fake.url}/v1`),
      ...providerEnv('gemini', fake.url),
      ...providerEnv('anthropic', fake.url),
    },
  },
);

const M = 1e6;
/** A prompt long enough that its estimate is far from 0 (about 200 tokens). */
const PROMPT = 'Summarise the clause on termination for convenience. '.repeat(20);
const ANSWER = 'Either party may end the agreement with thirty days written notice. '.repeat(5);

const prices = (model: string) => gw.ctx.state.getSnapshot().models.get(model)!.prices;

/** The row was estimated, with a prompt and an output near what was sent and answered, and billed for them. */
function expectEstimated(row: LogRow, model: string, answered = true): void {
  expect(row.estimated).toBe(true);
  expect(row.promptTokens).toBeGreaterThan(150);
  expect(row.promptTokens).toBeLessThan(300);
  if (answered) {
    expect(row.completionTokens).toBeGreaterThan(50);
    expect(row.completionTokens).toBeLessThan(120);
  }
  const p = prices(model);
  expect(row.costUsd).toBeCloseTo((row.promptTokens * p.input + row.completionTokens * p.output) / M, 12);
}

const openaiChat = (usage: unknown) => ({ ...fixture('openai-chat.json'), choices: [{ index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, finish_reason: 'stop' }], usage });

describe('chat completions', () => {
  const cases: [string, string, () => Response][] = [
    ['openai: negative prompt_tokens', 'gpt-4o-mini', () => jsonResponse(openaiChat({ prompt_tokens: -1138, completion_tokens: 70, total_tokens: -1068 }))],
    ['openai: counts sent as strings', 'gpt-4o-mini', () => jsonResponse(openaiChat({ prompt_tokens: '1138', completion_tokens: 70, total_tokens: 1208 }))],
    ['openai: 1e999 (Infinity once parsed)', 'gpt-4o-mini', () => rawJsonResponse(JSON.stringify(openaiChat({ prompt_tokens: 0, completion_tokens: 70 })).replace('"prompt_tokens":0', '"prompt_tokens":1e999'))],
    // Finite, but past any whole count a double holds exactly: billed, it was 1.5e293 USD on the row and the key's budget.
    ['openai: 1e300 prompt tokens', 'gpt-4o-mini', () => jsonResponse(openaiChat({ prompt_tokens: 1e300, completion_tokens: 70, total_tokens: 1e300 }))],
    ['anthropic: 1e300 cache reads', 'claude-sonnet-4-5', () => jsonResponse({ id: 'msg_01Nonsense000000000000001', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: ANSWER }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 40, cache_read_input_tokens: 1e300 } })],
    ['deepseek: negative completion_tokens', 'deepseek-chat', () => jsonResponse({ ...fixture('deepseek-chat-cache-hit.json'), choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage: { prompt_tokens: 1516, completion_tokens: -23, prompt_cache_hit_tokens: 1472, prompt_cache_miss_tokens: 44 } })],
    ['gemini: negative promptTokenCount', 'gemini-2.5-flash', () => jsonResponse({ candidates: [{ content: { parts: [{ text: ANSWER }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: -1045, candidatesTokenCount: 70, totalTokenCount: -975 }, modelVersion: 'gemini-2.5-flash' })],
    ['anthropic: output_tokens as a string', 'claude-sonnet-4-5', () => jsonResponse({ id: 'msg_01Nonsense000000000000000', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: ANSWER }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: '40' } })],
  ];
  for (const [name, model, reply] of cases) {
    test(`${name}: the row is estimated, not billed 0`, async () => {
      fake.handler = reply;
      const { data, response } = await gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe(ANSWER);
      expectEstimated(await gw.waitForRow(response), model);
    });
  }

  test('openai stream whose usage chunk has a negative count: estimated from what was streamed', async () => {
    const cs = chunks('openai-stream-usage.chunks.txt');
    cs[1]!.choices[0].delta.content = ANSWER;
    cs[3]!.usage = { ...cs[3]!.usage, prompt_tokens: -1 };
    fake.handler = () => sseResponse(cs.map((c) => JSON.stringify(c)));
    const stream = gw.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }], stream: true, stream_options: { include_usage: true } });
    const { data, response } = await stream.withResponse();
    let text = '';
    for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(ANSWER);
    expectEstimated(await gw.waitForRow(response), 'gpt-4o-mini');
  });
});

describe('/v1/responses passed through to OpenAI', () => {
  const answer = () => {
    const r = fixture('openai-responses.json');
    r.output[1].content[0].text = ANSWER;
    return r;
  };
  test('JSON with a negative output_tokens: the prompt and the output text estimated', async () => {
    fake.handler = () => jsonResponse({ ...answer(), usage: { input_tokens: 1536, output_tokens: -212, total_tokens: 1324 } });
    const { data, response } = await gw.openai().responses.create({ model: 'o4-mini', input: PROMPT }).withResponse();
    expect(data.output_text).toBe(ANSWER);
    expectEstimated(await gw.waitForRow(response), 'o4-mini');
  });
  test('stream whose response.completed has string counts: estimated from the relayed deltas', async () => {
    const done = { ...answer(), usage: { input_tokens: '1536', output_tokens: '212' } };
    fake.handler = () => sseEventsResponse([
      { event: 'response.created', data: JSON.stringify({ type: 'response.created', response: { ...done, status: 'in_progress', output: [], usage: null } }) },
      { event: 'response.output_text.delta', data: JSON.stringify({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: ANSWER }) },
      { event: 'response.completed', data: JSON.stringify({ type: 'response.completed', response: done }) },
    ]);
    const { data, response } = await gw.openai().responses.create({ model: 'o4-mini', input: PROMPT, stream: true }).withResponse();
    for await (const _ of data) void _;
    expectEstimated(await gw.waitForRow(response), 'o4-mini');
  });
});

test('embeddings with a negative prompt_tokens: the input is counted instead', async () => {
  fake.handler = () => jsonResponse({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'text-embedding-3-small', usage: { prompt_tokens: -8, total_tokens: -8 } });
  const { response } = await gw.openai().embeddings.create({ model: 'text-embedding-3-small', input: PROMPT }).withResponse();
  const row = await gw.waitForRow(response);
  expectEstimated(row, 'text-embedding-3-small', false);
  expect(row.completionTokens).toBe(0);
});

test('a nonsense detail count (1e300 web searches) reads as 0: the tokens are billed, no search fee of 1e298 USD', async () => {
  fake.handler = () => jsonResponse({ id: 'msg_01Nonsense000000000000002', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: ANSWER }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 40, server_tool_use: { web_search_requests: 1e300 } } });
  const { response } = await gw.openai().chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: PROMPT }] }).withResponse();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 12, completionTokens: 40, estimated: false });
  // 12 x 3 + 40 x 15 per 1M.
  expect(row.costUsd).toBeCloseTo((12 * 3 + 40 * 15) / M, 12);
});
