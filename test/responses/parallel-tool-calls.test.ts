/**
 * Bridged /v1/responses (DeepSeek through chat) when the upstream's tool calls do not come one
 * after the other: argument pieces of parallel calls interleaved, calls without an index, every
 * call on index 0, a call's last piece after some text, a call without a name. Checked the ways
 * clients read the stream: raw SSE (every event names an open item, done events carry the whole
 * arguments), the `openai` SDK's responses.stream (event helpers, finalResponse) against the
 * non-stream answer for the same upstream data, and the AI SDK's streamText tool calls.
 */
import { describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { jsonSchema, streamText, tool } from 'ai';
import { jsonResponse, sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from '../sdk/fake-providers';
import { sdkClient } from '../sdk/openai-sdk-fakes';
import { expectConsistentItems, itemsWithoutIds } from './stream-invariants';

let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
const { deepseekUp } = useFakeProviders((g) => {
  gw = g;
  sdk = sdkClient(g);
});

const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 120 };
const chunk = (delta: any, finish: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1757925000, model: 'deepseek-chat', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(finish ? { usage } : {}) });
const piece = (tc: any) => chunk({ tool_calls: [tc] });
const start = (id: string, name: string, args: string, index?: number) => piece({ ...(index === undefined ? {} : { index }), id, type: 'function', function: { name, arguments: args } });
const more = (args: string, at: { index?: number; id?: string } = {}) => piece({ ...at, function: { arguments: args } });
const end = [chunk({}, 'tool_calls'), '[DONE]'];

const WEATHER = { id: 'call_a', name: 'get_weather', arguments: '{"city": "Paris"}' };
const TIME = { id: 'call_b', name: 'get_time', arguments: '{"tz": "Asia/Tokyo"}' };
/** DeepSeek's non-stream answer with these calls (and text), the same data as a scenario's chunks. */
const completion = (calls: { id: string; name: string; arguments: string }[], content: string | null = null) => ({
  id: 'c1', object: 'chat.completion', created: 1757925000, model: 'deepseek-chat',
  choices: [{ index: 0, message: { role: 'assistant', content, tool_calls: calls.map(({ id, name, arguments: a }) => ({ id, type: 'function', function: { name, arguments: a } })) }, logprobs: null, finish_reason: 'tool_calls' }],
  usage,
});

const SCENARIOS = {
  'interleaved pieces of two calls (A starts, B starts, more of A, more of B)': [
    start('call_a', 'get_weather', '{"city":', 0), start('call_b', 'get_time', '{"tz":', 1), more(' "Paris"}', { index: 0 }), more(' "Asia/Tokyo"}', { index: 1 }), ...end,
  ],
  'calls without an index': [start('call_a', 'get_weather', '{"city":'), more(' "Paris"}'), start('call_b', 'get_time', '{"tz": "Asia/Tokyo"}'), ...end],
  'every call on index 0, told apart by id': [
    start('call_a', 'get_weather', '{"city":', 0), more(' "Paris"}', { index: 0 }), start('call_b', 'get_time', '{"tz":', 0), more(' "Asia/Tokyo"}', { index: 0, id: 'call_b' }), ...end,
  ],
};

const tools = [
  { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
  { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } }, strict: false },
];
const request = { model: 'deepseek-chat', input: 'Weather in Paris and the time in Tokyo?', tools };

/** The upstream answers a stream with `chunks` and a non-stream call with `answer`. */
const answerWith = (chunks: string[], answer: unknown) => (deepseekUp.handler = (_req, rec) => (rec.body?.stream ? sseResponse(chunks) : jsonResponse(answer)));

/** The raw SSE events of a streamed request, and its request id. */
async function rawStream(body: unknown) {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(body as object), stream: true }),
  });
  expect(res.status).toBe(200);
  const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  return { events, requestId: res.headers.get('x-request-id')! };
}

describe('bridged responses stream: parallel tool calls not sent one after the other', () => {
  for (const [name, chunks] of Object.entries(SCENARIOS)) {
    test(`${name}: raw SSE, the openai SDK's stream and the AI SDK agree with the non-stream answer`, async () => {
      answerWith(chunks, completion([WEATHER, TIME]));
      const plain = await sdk.client.responses.create(request);
      const expected = itemsWithoutIds(plain.output);
      expect(expected.map((o: any) => [o.call_id, o.name, o.arguments])).toEqual([
        ['call_a', 'get_weather', WEATHER.arguments],
        ['call_b', 'get_time', TIME.arguments],
      ]);

      const raw = await rawStream(request);
      expectConsistentItems(raw.events);
      expect(raw.events.at(-1).type).toBe('response.completed');
      expect(itemsWithoutIds(raw.events.at(-1).response.output)).toEqual(expected);
      expect(await gw.waitForRow(raw.requestId)).toMatchObject({ endpoint: 'responses', provider: 'deepseek', stream: true, status: 200, promptTokens: 120, completionTokens: 30 });

      const stream = sdk.client.responses.stream(request);
      const snapshots = new Map<number, string>();
      const doneItems: any[] = [];
      stream.on('response.function_call_arguments.delta', (e) => snapshots.set(e.output_index, e.snapshot));
      stream.on('response.output_item.done', (e) => doneItems.push(e.item));
      const final = await stream.finalResponse();
      expect(itemsWithoutIds(final.output)).toEqual(expected);
      expect([...snapshots.entries()].sort()).toEqual([[0, WEATHER.arguments], [1, TIME.arguments]]);
      expect(itemsWithoutIds(doneItems)).toEqual(expected);

      const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
      const schema = jsonSchema<Record<string, string>>({ type: 'object' });
      const r = streamText({
        model: provider.responses('deepseek-chat'),
        prompt: request.input,
        tools: { get_weather: tool({ inputSchema: schema }), get_time: tool({ inputSchema: schema }) },
        maxRetries: 0,
      });
      const inputs = new Map<string, string>();
      for await (const p of r.fullStream) {
        if (p.type === 'tool-input-delta') inputs.set(p.id, (inputs.get(p.id) ?? '') + p.delta);
        if (p.type === 'error' || p.type === 'tool-error') throw new Error(`AI SDK ${p.type}: ${JSON.stringify(p)}`);
      }
      expect((await r.toolCalls).map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
        ['call_a', 'get_weather', { city: 'Paris' }],
        ['call_b', 'get_time', { tz: 'Asia/Tokyo' }],
      ]);
      expect(Object.fromEntries(inputs)).toEqual({ call_a: WEATHER.arguments, call_b: TIME.arguments });
    });
  }

  test("a call's last piece after some text joins that call (no nameless call); a follow-up sends the call before its result", async () => {
    answerWith([start('call_a', 'get_weather', '{"city":', 0), chunk({ content: 'Checking.' }), more(' "Paris"}', { index: 0 }), ...end], null);
    const raw = await rawStream(request);
    expectConsistentItems(raw.events);
    const output = raw.events.at(-1).response.output;
    expect(output.map((o: any) => [o.type, o.name, o.arguments ?? o.content[0].text])).toEqual([
      ['function_call', 'get_weather', WEATHER.arguments],
      ['message', undefined, 'Checking.'],
    ]);
    const stored = await sdk.client.responses.retrieve(raw.events.at(-1).response.id);
    expect(stored.output).toEqual(output);
    // The follow-up sends the call (with the text of its turn) before its result, as chat requires.
    deepseekUp.handler = () => jsonResponse(completion([], 'Sunny in Paris.'));
    const next = await sdk.client.responses.create({ ...request, previous_response_id: stored.id, input: [{ type: 'function_call_output', call_id: 'call_a', output: 'sunny' }] });
    expect(next.output_text).toBe('Sunny in Paris.');
    expect(deepseekUp.last().body.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: WEATHER.arguments } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
    ]);
  });

  test('an upstream call without a name: the stream still ends with response.completed, the non-stream answer is no 400', async () => {
    const nameless = [piece({ index: 0, id: 'call_a', type: 'function', function: { arguments: WEATHER.arguments } }), ...end];
    const answer = completion([WEATHER]);
    delete (answer.choices[0]!.message.tool_calls[0]!.function as any).name;
    answerWith(nameless, answer);
    const raw = await rawStream(request);
    expectConsistentItems(raw.events);
    expect(raw.events.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [{ type: 'function_call', call_id: 'call_a', name: '', arguments: WEATHER.arguments }] } });
    expect(await gw.waitForRow(raw.requestId)).toMatchObject({ stream: true, status: 200 });
    const { data, request_id } = await sdk.client.responses.create(request).withResponse();
    expect(itemsWithoutIds(data.output)).toEqual([{ type: 'function_call', call_id: 'call_a', name: '', arguments: WEATHER.arguments, status: 'completed' }]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ stream: false, status: 200 });
  });

  test('parallel_tool_calls false with an upstream that makes two calls anyway: one call, in the stream, the JSON answer and the follow-up', async () => {
    const single = { ...request, parallel_tool_calls: false };
    for (const chunks of Object.values(SCENARIOS)) {
      answerWith(chunks, completion([WEATHER, TIME], 'Checking both.'));
      const plain = await sdk.client.responses.create(single);
      const raw = await rawStream(single);
      expectConsistentItems(raw.events);
      const final = raw.events.at(-1).response;
      expect(final).toMatchObject({ status: 'completed', parallel_tool_calls: false });
      expect(itemsWithoutIds(final.output).filter((o: any) => o.type === 'function_call')).toEqual([{ type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: WEATHER.arguments, status: 'completed' }]);
      expect(itemsWithoutIds(plain.output).filter((o: any) => o.type === 'function_call')).toEqual(itemsWithoutIds(final.output));
      // The row bills what the upstream made, both calls included.
      expect(await gw.waitForRow(raw.requestId)).toMatchObject({ stream: true, status: 200, completionTokens: 30 });

      // The client answers the one call it got; the upstream sees that call and its result.
      deepseekUp.handler = () => jsonResponse(completion([], 'Sunny in Paris.'));
      await sdk.client.responses.create({ ...single, previous_response_id: final.id, input: [{ type: 'function_call_output', call_id: 'call_a', output: 'sunny' }] });
      expect(deepseekUp.last().body.messages.slice(-2)).toEqual([
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: WEATHER.arguments } }] },
        { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
      ]);
      expect(deepseekUp.last().body.parallel_tool_calls).toBe(false);
    }
  });
});
