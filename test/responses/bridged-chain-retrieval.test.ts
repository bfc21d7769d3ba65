/**
 * A bridged tool loop read back as OpenAI's SDK reads it: DeepSeek (reasoning, text and a function
 * call) continued with `previous_response_id` and a function_call_output, then by Gemini. Every
 * retrieve and input item list valid against OpenAI's schema; `instructions` never carried into a
 * follow-up; a deleted turn gone from every read and from `previous_response_id`, the turn before it kept.
 */
import { afterAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway } from '../helpers/start-gateway';
import { schemaErrors } from './openai-schema';

let answer: () => Response = () => jsonResponse({}, 500);
const deepseek = startFakeUpstream(() => answer());
const gemini = startFakeUpstream(() => answer());
let client: OpenAI;
let other: OpenAI;
useGateway(
  (g) => {
    client = g.openai();
    other = g.openai(g.addClient('another key').key);
  },
  { env: { ...providerEnv('deepseek', deepseek.url), ...providerEnv('gemini', gemini.url) } },
);
afterAll(() => {
  deepseek.close();
  gemini.close();
});

const tool = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
const deepseekText = (text: string) =>
  jsonResponse({
    id: 'c1', object: 'chat.completion', created: 1745400300, model: 'deepseek-reasoner',
    choices: [{ index: 0, message: { role: 'assistant', content: text, reasoning_content: 'Reading the tool result.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
  });

async function readBack(id: string) {
  const got = await client.responses.retrieve(id);
  expect(schemaErrors('Response', got)).toEqual([]);
  const items: any[] = [];
  for await (const item of client.responses.inputItems.list(id, { limit: 1, order: 'asc' })) items.push(item);
  expect(schemaErrors('ResponseItemList', { object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false })).toEqual([]);
  return { got, items };
}

test('a DeepSeek tool loop continued by Gemini: every turn read back in OpenAI’s shape, instructions kept to their turn, a deleted turn gone', async () => {
  answer = () => rawJsonResponse(fixtureText('responses', 'deepseek-reasoner-tools.completion.json'));
  const first = await client.responses.create({ model: 'deepseek-reasoner', instructions: 'Answer in French.', input: 'Weather in Paris?', tools: [tool] });
  expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
  const call = first.output[2] as OpenAI.Responses.ResponseFunctionToolCall;
  const one = await readBack(first.id);
  expect(one.got.instructions).toBe('Answer in French.');
  expect(one.items.map((i) => [i.type, i.role])).toEqual([['message', 'user']]);

  answer = () => deepseekText('Il fait 21 °C.');
  const second = await client.responses.create({
    model: 'deepseek-reasoner', previous_response_id: first.id, tools: [tool],
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }],
  });
  const sent = deepseek.requests.at(-1)!.body.messages;
  expect(JSON.stringify(sent)).not.toContain('Answer in French.');
  expect(sent.at(-2)).toMatchObject({ role: 'assistant', reasoning_content: 'The user wants the weather in Paris; I should call get_weather.', tool_calls: [{ id: call.call_id }] });
  expect(sent.at(-1)).toEqual({ role: 'tool', tool_call_id: call.call_id, content: '{"temp":21}' });
  const two = await readBack(second.id);
  expect(two.got).toMatchObject({ instructions: null, previous_response_id: first.id, output_text: 'Il fait 21 °C.' });
  expect(two.items).toEqual([expect.objectContaining({ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}', status: 'completed' })]);

  answer = () => rawJsonResponse(fixtureText('responses', 'gemini-text.json'));
  const third = await client.responses.create({ model: 'gemini-2.5-flash', previous_response_id: second.id, instructions: 'Be brief.', input: 'And tomorrow?' });
  const body = gemini.requests.at(-1)!.body;
  expect(JSON.stringify(body)).not.toContain('Answer in French.');
  expect(body.systemInstruction.parts[0].text).toBe('Be brief.');
  expect((await readBack(third.id)).got.instructions).toBe('Be brief.');

  // Another key sees none of it.
  for (const read of [() => other.responses.retrieve(second.id), () => other.responses.inputItems.list(second.id), () => other.responses.cancel(second.id), () => other.responses.delete(second.id)]) {
    expect((await apiError(read())).status).toBe(404);
  }

  await client.responses.delete(second.id);
  for (const read of [() => client.responses.retrieve(second.id), () => client.responses.inputItems.list(second.id), () => client.responses.cancel(second.id)]) {
    const err = await apiError(read());
    expect(err.status).toBe(404);
    expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
  }
  const follow = await apiError(client.responses.create({ model: 'deepseek-reasoner', previous_response_id: second.id, input: 'Still there?' }));
  expect(follow.status).toBe(400);
  expect(follow.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
  // The turns around it stay: the one it continued, and the one that continued it (it holds the whole conversation).
  answer = () => deepseekText('Oui.');
  expect((await client.responses.create({ model: 'deepseek-reasoner', previous_response_id: first.id, tools: [tool], input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":22}' }] })).status).toBe('completed');
  expect((await client.responses.retrieve(third.id)).id).toBe(third.id);
});
