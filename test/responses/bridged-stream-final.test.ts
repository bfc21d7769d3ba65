/**
 * A bridged Responses stream's last event holds the response a client keeps: through the official
 * SDK's `responses.stream` helper, its `finalResponse()` must be what `retrieve` returns and what
 * the non-stream answer to the same upstream answer is (ids and times aside), with the usage of the
 * request's log row, also when the upstream sends no usage (an Ollama that ignores
 * `stream_options`, whose row bills an estimate) or names a dated snapshot of the model asked for.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { sdkClient } from '../sdk/openai-sdk-fakes';
import { itemsWithoutIds } from './stream-invariants';

const ollama = startFakeUpstream();
const moonshot = startFakeUpstream();
const deepseek = startFakeUpstream();
let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
useGateway(
  (g) => {
    gw = g;
    sdk = sdkClient(g);
  },
  { env: { ...providerEnv('ollama', `${ollama.url}/v1`), ...providerEnv('moonshot', moonshot.url), ...providerEnv('deepseek', deepseek.url) } },
);
afterAll(() => [ollama, moonshot, deepseek].forEach((u) => u.close()));

/** The response as the gateway sent it, without what the SDK adds (output_text, output_parsed, parsed). */
const wire = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v) => (['output_text', 'output_parsed', 'parsed'].includes(k) ? undefined : v)));
/** What two answers to the same upstream answer share (not ids, nor times). */
const comparable = (r: any) => ({ ...wire(r), id: undefined, created_at: undefined, completed_at: undefined, output: itemsWithoutIds(r.output) });
const rowUsage = (row: any): any => ({
  input_tokens: row.promptTokens,
  input_tokens_details: { cached_tokens: row.cachedTokens },
  output_tokens: row.completionTokens,
  output_tokens_details: { reasoning_tokens: row.reasoningTokens },
  total_tokens: row.promptTokens + row.completionTokens,
});

/** The stream's final response, its log row, and the non-stream answer to the same upstream answer. */
async function streamAndJson(model: string, up: typeof ollama, chunks: string[], json: unknown, more: { tools?: any[]; max_output_tokens?: number } = {}) {
  up.handler = () => sseResponse(chunks);
  const final = await sdk.client.responses.stream({ model, input: 'Say hello.', ...more }).finalResponse();
  const streamRow = await gw.waitForRow(sdk.ids.last());
  up.handler = () => jsonResponse(json);
  const { data: whole, request_id } = await sdk.client.responses.create({ model, input: 'Say hello.', ...more }).withResponse();
  return { final, streamRow, whole, jsonRow: await gw.waitForRow(request_id!) };
}

describe('bridged stream: finalResponse = retrieve = the non-stream answer', () => {
  test('Ollama without a usage chunk: the usage is the estimate the row bills, not null', async () => {
    const chunks = readChunks('ollama', 'text.chunks.txt').filter((c) => !c.includes('"usage"'));
    const json = fixtureJson('ollama', 'chat.json');
    delete json.usage;
    const { final, streamRow, whole, jsonRow } = await streamAndJson('ollama/qwen3:8b', ollama, chunks, json);
    expect(streamRow.promptTokens).toBeGreaterThan(0);
    expect(final.usage).toEqual(rowUsage(streamRow));
    expect(whole.usage).toEqual(rowUsage(jsonRow));
    expect(final.output_text).toBe(whole.output_text);
    expect(wire(await sdk.client.responses.retrieve(final.id))).toEqual(wire(final));
  });

  // (xAI was this case until /v1/responses went to xAI's own Responses API: Moonshot's alias answers as a dated model too.)
  test('Moonshot answering a dated snapshot of the alias asked for: both name the snapshot', async () => {
    const chunks = readChunks('moonshot', 'text.chunks.txt');
    const json = { ...fixtureJson('moonshot', 'chat.json'), model: 'kimi-k2-0905-preview' };
    const { final, streamRow, whole } = await streamAndJson('moonshot/kimi-latest', moonshot, chunks, json);
    expect(whole.model).toBe('kimi-k2-0905-preview');
    expect(comparable(final)).toEqual(comparable(whole));
    expect(final.usage).toEqual(rowUsage(streamRow));
    expect((await sdk.client.responses.retrieve(final.id)).model).toBe('kimi-k2-0905-preview');
  });

  test('max_output_tokens reached inside a tool call: that call is incomplete, the call before it completed', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    // DeepSeek's two calls, the second cut after `{"city": "To` by the token limit.
    const chunks = readChunks('deepseek', 'tools.chunks.txt')
      .filter((c) => c !== '[DONE]')
      .map((c) => c.replace('{\\"city\\": \\"Tokyo\\"}', '{\\"city\\": \\"To').replace('"finish_reason":"tool_calls"', '"finish_reason":"length"'));
    const json = fixtureJson('deepseek', 'tools.json');
    json.choices[0].finish_reason = 'length';
    json.choices[0].message.tool_calls[1].function.arguments = '{"city": "To';
    delete json.choices[0].message.reasoning_content;
    const { final, whole } = await streamAndJson('deepseek-chat', deepseek, chunks, json, { tools, max_output_tokens: 40 });
    for (const r of [final, whole, await sdk.client.responses.retrieve(final.id)]) {
      expect(r.status).toBe('incomplete');
      expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(r.output.map((o: any) => [o.type, o.arguments, o.status])).toEqual([
        ['function_call', '{"city": "Paris"}', 'completed'],
        ['function_call', '{"city": "To', 'incomplete'],
      ]);
    }
  });
  test('a call cut by max_output_tokens is not carried into the conversation previous_response_id continues', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const chunks = readChunks('deepseek', 'tools.chunks.txt')
      .filter((c) => c !== '[DONE]')
      .map((c) => c.replace('{\\"city\\": \\"Tokyo\\"}', '{\\"city\\": \\"To').replace('"finish_reason":"tool_calls"', '"finish_reason":"length"'));
    deepseek.handler = () => sseResponse(chunks);
    const cut = await sdk.client.responses.stream({ model: 'deepseek-chat', input: 'Weather in Paris and Tokyo?', tools, max_output_tokens: 40 }).finalResponse();
    expect(cut.status).toBe('incomplete');
    const paris = cut.output.find((o: any) => o.type === 'function_call' && o.status === 'completed') as any;

    // The agent runs the call that finished and goes on from the response (the cut one it cannot run).
    deepseek.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const next = await sdk.client.responses.create({
      model: 'deepseek-chat', previous_response_id: cut.id, tools,
      input: [{ type: 'function_call_output', call_id: paris.call_id, output: '18°C, sunny' }],
    });
    expect(next.status).toBe('completed');
    const sent = deepseek.last().body.messages;
    const calls = sent.flatMap((m: any) => m.tool_calls ?? []);
    // Only the whole call goes upstream (arguments `{"city": "To` are no JSON an upstream takes), answered by its result.
    expect(calls.map((c: any) => [c.id, c.function.arguments])).toEqual([[paris.call_id, '{"city": "Paris"}']]);
    expect(sent.at(-1)).toEqual({ role: 'tool', tool_call_id: paris.call_id, content: '18°C, sunny' });
  });
  test('max_output_tokens reached while reasoning: the reasoning item alone, incomplete, in the stream, the JSON answer and retrieve', async () => {
    // DeepSeek's reasoner cut by the token limit before any text: its reasoning chunks, then the length finish.
    const thinking = readChunks('responses', 'deepseek-reasoner-text.chunks.txt').filter((c) => c.includes('"reasoning_content":"') && !c.includes('"reasoning_content":""'));
    const last = JSON.parse(thinking.at(-1)!);
    const end = { ...last, choices: [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: 'length' }], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, completion_tokens_details: { reasoning_tokens: 5 } } };
    const json = fixtureJson('deepseek', 'chat.json');
    json.model = 'deepseek-reasoner';
    json.choices[0] = { index: 0, message: { role: 'assistant', content: '', reasoning_content: 'The user greets me.' }, logprobs: null, finish_reason: 'length' };
    const { final, whole } = await streamAndJson('deepseek-reasoner', deepseek, [...thinking, JSON.stringify(end), '[DONE]'], json, { max_output_tokens: 5 });
    for (const r of [final, whole, await sdk.client.responses.retrieve(final.id)]) {
      expect(r.status).toBe('incomplete');
      expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(r.output.map((o: any) => [o.type, o.status, o.content?.map((c: any) => c.text).join('')])).toEqual([['reasoning', 'incomplete', 'The user greets me.']]);
    }
  });
});
