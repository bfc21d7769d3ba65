/**
 * Ollama's wire quirks, through the real gateway with the official openai client. The gateway
 * speaks Ollama's OpenAI-compatible endpoint (/v1/chat/completions, SSE), not the native
 * /api/chat NDJSON: its `done_reason` arrives as finish_reason, its `thinking` as `reasoning`,
 * tool call arguments as JSON text. What it still does its own way is tested here; each request
 * leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let ollama: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  ollama = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`) });
});
afterAll(async () => {
  await gw?.close();
  ollama?.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'chatcmpl-7', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b', system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
const usageChunk = JSON.stringify({ id: 'chatcmpl-7', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b', system_fingerprint: 'fp_ollama', choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });

/** SSE as Ollama writes it, with blank lines and a comment between events (tolerated by SSE). */
function sse(payloads: string[]): Response {
  const body = payloads.map((p) => `data: ${p}\n\n\n: ping\n\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

test('the gateway calls /v1/chat/completions (the OpenAI-compatible endpoint), asking for stream usage', async () => {
  ollama.handler = () => sse([chunk({ role: 'assistant', content: 'Hi' }), chunk({ content: '' }, 'stop'), usageChunk, '[DONE]']);
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi, stream: true }).withResponse();
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  expect(text).toBe('Hi');
  expect(ollama.requests.at(-1)!.path).toBe('/v1/chat/completions');
  expect(ollama.requests.at(-1)!.body).toMatchObject({ model: 'qwen3:8b', stream: true, stream_options: { include_usage: true } });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 11, completionTokens: 4 });
});

test('done_reason length: finish_reason length (stream and non-stream)', async () => {
  ollama.handler = () => sse([chunk({ role: 'assistant', content: 'Once upon' }), chunk({ content: '' }, 'length'), usageChunk, '[DONE]']);
  const stream = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi, stream: true });
  let finish: string | null = null;
  for await (const c of stream) finish = c.choices[0]?.finish_reason ?? finish;
  expect(finish).toBe('length');

  ollama.handler = () =>
    jsonResponse({ id: 'chatcmpl-8', object: 'chat.completion', created: 1, model: 'qwen3:8b', choices: [{ index: 0, message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length' }], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi, max_tokens: 4 }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('length');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, completionTokens: 4 });
});

test("a stream's tool calls closed by finish_reason stop (Ollama's endpoint did until ollama/ollama#7963) reach the client as tool_calls", async () => {
  ollama.handler = () =>
    sse([
      chunk({ role: 'assistant', content: '', tool_calls: [{ id: 'call_a1', index: 0, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }),
      chunk({ content: '' }, 'stop'),
      usageChunk,
      '[DONE]',
    ]);
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'ollama/llama3.1:8b', messages: hi, stream: true, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] })
    .withResponse();
  let finish: string | null = null;
  const args: string[] = [];
  for await (const c of stream) {
    finish = c.choices[0]?.finish_reason ?? finish;
    for (const t of c.choices[0]?.delta.tool_calls ?? []) args.push(t.function?.arguments ?? '');
  }
  expect(JSON.parse(args.join(''))).toEqual({ city: 'Paris' });
  expect(finish).toBe('tool_calls');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
});

test('a model not pulled: a stream request gets the 404 model_not_found before any byte; one 404 row', async () => {
  ollama.handler = () => jsonResponse({ error: { message: 'model "llama-nope" not found, try pulling it first', type: 'api_error', param: null, code: null } }, 404);
  const err = await gw.openai().chat.completions.create({ model: 'ollama/llama-nope', messages: hi, stream: true }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.code).toBe('model_not_found');
  expect(err.message).toContain('try pulling it first');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 404, errorType: 'model_not_found' });
});

test("an error event mid-stream ({\"error\": {...}}, as Ollama sends when the runner dies) ends the client's stream with the error; a 502 row", async () => {
  ollama.handler = () => sse([chunk({ role: 'assistant', content: 'Hel' }), JSON.stringify({ error: { message: 'llama runner process has terminated: signal: killed', type: 'api_error' } })]);
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi, stream: true }).withResponse();
  let text = '';
  const err = await (async () => {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  })().catch((e) => e);
  expect(text).toBe('Hel');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.message).toContain('llama runner process has terminated');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 502 });
});
