/**
 * Tool calls in a shape other than OpenAI's, as Ollama's native API gives them (arguments as a JSON
 * object) and as servers copying it send them (no `id`, no `type`): through the gateway each
 * reaches the client as OpenAI's call (id `call_…`, type function, arguments as JSON text) on
 * /v1/chat/completions, streamed or not, and with its input on /v1/messages and /v1/responses.
 * Before, an object's arguments were read as none ("{}"; the input lost), the openai SDK's stream
 * helper threw "missing choices[0].tool_calls[0].type", and a call came without an id.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const ollama = startFakeUpstream(answer);
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`) });
afterAll(() => ollama.close());

const MODEL = 'ollama/qwen3:8b';
const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
/** The call as such a server sends it: no id, no type, the arguments an object. */
const bareCall = () => ({ function: { name: 'get_weather', arguments: { city: 'Paris' } } });
const chunk = (delta: unknown, finish: string | null = null) =>
  JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b', choices: [{ index: 0, delta, finish_reason: finish }] });

/** The fake's answer: the call (streamed or not), and after its result a text answer. */
function answer(_req: Request, r: RecordedRequest): Response {
  if (r.body.messages.some((m: any) => m.role === 'tool')) {
    return jsonResponse({ id: 'chatcmpl-10', object: 'chat.completion', created: 1, model: 'qwen3:8b', choices: [{ index: 0, message: { role: 'assistant', content: 'Sunny in Paris.' }, finish_reason: 'stop' }], usage });
  }
  if (!r.body.stream) {
    return jsonResponse({ id: 'chatcmpl-9', object: 'chat.completion', created: 1, model: 'qwen3:8b', choices: [{ index: 0, message: { role: 'assistant', content: '', tool_calls: [bareCall()] }, finish_reason: 'tool_calls' }], usage });
  }
  return sseResponse([
    chunk({ role: 'assistant', content: '', tool_calls: [{ index: 0, ...bareCall() }] }),
    chunk({ content: '' }, 'tool_calls'),
    JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b', choices: [], usage }),
    '[DONE]',
  ]);
}

const hi = [{ role: 'user' as const, content: 'Weather in Paris?' }];
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const CALL_ID = /^call_[A-Za-z0-9]+$/;

test('non-stream: the call has an id, type function and its arguments as JSON text; the tool result goes back under that id', async () => {
  const { data, response } = await gw.openai().chat.completions.create({ model: MODEL, messages: hi, tools }).withResponse();
  const call = data.choices[0]!.message.tool_calls![0]! as any;
  expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
  expect(call.id).toMatch(CALL_ID);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });

  const next = await gw.openai().chat.completions.create({
    model: MODEL,
    tools,
    messages: [...hi, data.choices[0]!.message as any, { role: 'tool', tool_call_id: call.id, content: '{"sky":"sunny"}' }],
  });
  expect(next.choices[0]!.message.content).toBe('Sunny in Paris.');
  expect(ollama.last().body.messages.find((m: any) => m.role === 'tool').tool_call_id).toBe(call.id);
});

test("stream: the openai SDK's stream helper assembles the call (id, type function, the arguments' JSON text)", async () => {
  const stream = gw.openai().chat.completions.stream({ model: MODEL, messages: hi, tools });
  const final = await stream.finalChatCompletion();
  const call = final.choices[0]!.message.tool_calls![0]! as any;
  expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
  expect(call.id).toMatch(CALL_ID);
});

for (const stream of [false, true]) {
  test(`/v1/messages${stream ? ' stream' : ''}: the tool_use block carries the call's input`, async () => {
    const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
    const params = { model: MODEL, max_tokens: 100, messages: hi, tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }] };
    const message = stream ? await anthropic.messages.stream(params).finalMessage() : await anthropic.messages.create(params);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })]);
  });

  test(`/v1/responses${stream ? ' stream' : ''}: the function_call carries the call's arguments`, async () => {
    const rtools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const response = stream
      ? await gw.openai().responses.stream({ model: MODEL, input: 'Weather in Paris?', tools: rtools }).finalResponse()
      : await gw.openai().responses.create({ model: MODEL, input: 'Weather in Paris?', tools: rtools });
    expect(response.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}', call_id: expect.stringMatching(CALL_ID) })]);
  });
}
