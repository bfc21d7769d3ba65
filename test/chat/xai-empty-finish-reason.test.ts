/**
 * xAI has answered a turn of tool calls with `finish_reason: ""` (LiteLLM's xAI adapter,
 * `_fix_choice_finish_reason_for_tool_calls`: "XAI API returns empty string for finish_reason when
 * using tools"), which is none of OpenAI's finish reasons. Clients get `tool_calls` (or `stop` for a
 * turn without calls) in an answer OpenAI's schema accepts, the tool loop goes on, and the row bills
 * the usage; in a stream, `""` is read as "not finished yet" (null).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { secondTurn, USER_TURN, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';

let xai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  xai = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('grok', `${xai.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  xai.close();
});

/** xAI's recorded tool-call answer with the finish reason it has sent for it. */
function emptyFinish(withCalls = true): any {
  const body = fixtureJson('grok', 'tools.json');
  body.choices[0].finish_reason = '';
  if (!withCalls) {
    delete body.choices[0].message.tool_calls;
    body.choices[0].message.content = 'It is sunny.';
  }
  return body;
}

test('non-stream: finish_reason "" with tool calls reaches the openai SDK as tool_calls, schema-valid; the loop goes on; the row bills the usage', async () => {
  xai.handler = () => jsonResponse(emptyFinish());
  const { data, response } = await gw.openai().chat.completions.create({ model: 'grok/grok-4-fast-non-reasoning', messages: [USER_TURN], tools }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('tool_calls');
  expect(data.choices[0]!.message.tool_calls!.map((c: any) => c.function.arguments)).toEqual(['{"city":"Paris"}', '{"city":"Tokyo"}']);
  expect(openaiSchemaErrors('CreateChatCompletionResponse', data)).toEqual([]);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ provider: 'grok', status: 200, promptTokens: 120, completionTokens: 44 });

  // Turn 2 with the tool results: xAI gets them, the answer is a plain stop.
  xai.handler = () => jsonResponse(fixtureJson('grok', 'chat.json'));
  const calls = data.choices[0]!.message.tool_calls!.map((c: any) => ({ id: c.id, function: c.function }));
  const next = await gw.openai().chat.completions.create({ model: 'grok/grok-4-fast-non-reasoning', messages: secondTurn(calls), tools });
  expect(next.choices[0]!.finish_reason).toBe('stop');
  expect(xai.last().body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(calls.map((c) => c.id));
});

test('non-stream: finish_reason "" on a turn without calls is stop', async () => {
  xai.handler = () => jsonResponse(emptyFinish(false));
  const data = await gw.openai().chat.completions.create({ model: 'grok/grok-4-fast-non-reasoning', messages: [USER_TURN] });
  expect(data.choices[0]!.finish_reason).toBe('stop');
  expect(openaiSchemaErrors('CreateChatCompletionResponse', data)).toEqual([]);
});

test('/v1/messages over the same answer: stop_reason tool_use', async () => {
  xai.handler = () => jsonResponse(emptyFinish());
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    body: JSON.stringify({ model: 'grok/grok-4-fast-non-reasoning', max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] }),
  });
  const body = await res.json();
  expect(body.stop_reason).toBe('tool_use');
});

test('stream: a chunk with finish_reason "" goes out with null (schema-valid), the last chunk finishes', async () => {
  const chunks = readChunks('grok', 'tools.chunks.txt').map((c) => {
    if (c === '[DONE]') return c;
    const chunk = JSON.parse(c);
    for (const choice of chunk.choices) if (choice.finish_reason === undefined || choice.finish_reason === null) choice.finish_reason = '';
    return JSON.stringify(chunk);
  });
  xai.handler = () => sseResponse(chunks);
  const stream = await gw.openai().chat.completions.create({ model: 'grok/grok-4-fast-non-reasoning', messages: [USER_TURN], tools, stream: true });
  const seen: any[] = [];
  for await (const c of stream) seen.push(c);
  for (const c of seen) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  expect(seen.flatMap((c) => c.choices.map((x: any) => x.finish_reason)).filter((f) => f !== null)).toEqual(['tool_calls']);
});
