/**
 * What a local model cannot do, in Ollama's own words (a fake replaying its OpenAI-compatible
 * endpoint, server/routes.go ChatHandler through openai/openai.go's error middleware): a 400
 * `"<model>" does not support tools` / `does not support thinking` is the model's limit, not the
 * client's mistake, so the client is told which parameter (OpenAI's `unsupported_parameter`), a
 * group goes on to its next target, and every request leaves one row. So is `does not support chat`,
 * its 400 for chat with an embedding model (`model_not_supported`, param `model`).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { api, login } from '../helpers/admin-harness';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let ollama: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  ollama = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`) });
  const admin = await login(gw, 'admin', 'test-admin-password');
  for (const [name, targets] of [
    ['local-tools', ['ollama/gemma3:4b', 'ollama/qwen3:8b']],
    ['local-think', ['ollama/llama3.1:8b', 'ollama/qwen3:8b']],
    ['local-embed', ['ollama/nomic-embed-text', 'ollama/qwen3:8b']],
  ] as const) {
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name, strategy: 'heuristic', targets, settings: { rules: [] } } })).status).toBe(201);
  }
});
afterAll(async () => {
  await gw?.close();
  ollama?.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
/** Ollama's 400 (openai.NewError: type invalid_request_error since v0.6, api_error before; code null). */
const refusal = (message: string, type = 'api_error') => jsonResponse({ error: { message, type, param: null, code: null } }, 400);
const answer = (model: string) =>
  jsonResponse({ id: 'chatcmpl-245', object: 'chat.completion', created: 1731432105, model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }], usage: { prompt_tokens: 26, completion_tokens: 10, total_tokens: 36 } });

/** gemma3 takes no tools, llama3.1 no thinking, nomic-embed-text no chat at all; qwen3 takes both. */
function fakeOllama(_r: Request, rec: { body: any }): Response {
  const { model, tools: sent, reasoning_effort: effort } = rec.body;
  if (model === 'nomic-embed-text') return refusal(`"nomic-embed-text" does not support chat`, 'invalid_request_error');
  if (model === 'gemma3:4b' && sent) return refusal('registry.ollama.ai/library/gemma3:4b does not support tools');
  if (model === 'llama3.1:8b' && effort && effort !== 'none') return refusal(`"llama3.1:8b" does not support thinking`, 'invalid_request_error');
  // A qwen3 pulled before its template could think, on the releases that checked it as a capability (server/images.go).
  if (model === 'qwen3:4b' && effort && effort !== 'none') return refusal('registry.ollama.ai/library/qwen3:4b does not support thinking. Pull the model again to get the latest version with full thinking support');
  return rec.body.stream ? sseResponse(readChunks('ollama', 'text.chunks.txt')) : answer(model);
}

test("a model without tools: 400 unsupported_parameter naming `tools`, in Ollama's words; one row", async () => {
  ollama.handler = fakeOllama;
  const err = await apiError(gw.openai().chat.completions.create({ model: 'ollama/gemma3:4b', messages: hi, tools }));
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param: 'tools' });
  expect(err.message).toContain('gemma3:4b does not support tools');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
});

test('a model without thinking asked for reasoning_effort: 400 unsupported_parameter naming it', async () => {
  ollama.handler = fakeOllama;
  const err = await apiError(gw.openai().chat.completions.create({ model: 'ollama/llama3.1:8b', messages: hi, reasoning_effort: 'high' }));
  expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
  expect(err.message).toContain('does not support thinking');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400 });
});

test("an old qwen3's refusal, with Ollama's advice to pull it again, is an unsupported reasoning_effort too; its words reach the client", async () => {
  ollama.handler = fakeOllama;
  const err = await apiError(gw.openai().chat.completions.create({ model: 'ollama/qwen3:4b', messages: hi, reasoning_effort: 'low' }));
  expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
  expect(err.message).toContain('Pull the model again');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'unsupported_parameter' });
});

test('a group goes on from a model that cannot take the tools (or the thinking) to its next target', async () => {
  ollama.handler = fakeOllama;
  const { data, response } = await gw.openai().chat.completions.create({ model: 'local-tools', messages: hi, tools }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Hi there');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, model: 'ollama/qwen3:8b' });

  const streamed = await gw.openai().chat.completions.create({ model: 'local-think', messages: hi, reasoning_effort: 'low', stream: true }).withResponse();
  let text = '';
  for await (const c of streamed.data) text += c.choices[0]?.delta.content ?? '';
  expect(text).toBe('Hello! How can I help?');
  expect(await gw.waitForRow(streamed.response)).toMatchObject({ status: 200, model: 'ollama/qwen3:8b' });
});

test('chat with an embedding model: 400 model_not_supported naming `model` in Ollama\'s words; a group goes on to its next target', async () => {
  ollama.handler = fakeOllama;
  const err = await apiError(gw.openai().chat.completions.create({ model: 'ollama/nomic-embed-text', messages: hi }));
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_supported', param: 'model' });
  expect(err.message).toContain('"nomic-embed-text" does not support chat');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'model_not_supported' });

  const { data, response } = await gw.openai().chat.completions.create({ model: 'local-embed', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Hi there');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, model: 'ollama/qwen3:8b' });
});

test("/v1/messages: a model without tools is Anthropic's invalid_request_error naming the limit", async () => {
  ollama.handler = fakeOllama;
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await client.messages
    .create({ model: 'ollama/gemma3:4b', max_tokens: 256, messages: hi, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] })
    .catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  expect(err.error.error.message).toContain('does not support tools');
  expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 400 });
});

test("/v1/messages with thinking on (Claude Code's every turn) is answered by a model that does not think; only gpt-oss is sent a level", async () => {
  ollama.handler = fakeOllama;
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const ask = (model: string) => client.messages.create({ model, max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 10000 }, messages: hi }).withResponse();
  const { data, response } = await ask('ollama/llama3.1:8b');
  expect(data.content.map((b) => b.type)).toEqual(['text']);
  expect(data.content[0]).toMatchObject({ text: 'Hi there' });
  expect(ollama.last().body.reasoning_effort).toBeUndefined();
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
  // Ollama's thinking models (qwen3, deepseek-r1) think unless told not to; gpt-oss takes a level.
  await ask('ollama/qwen3:8b');
  expect(ollama.last().body.reasoning_effort).toBeUndefined();
  await ask('ollama/gpt-oss:20b');
  expect(ollama.last().body.reasoning_effort).toBe('high');
});

test("/v1/messages with thinking disabled tells Ollama `reasoning_effort: none` (qwen3 thinks unless told not to); a model that does not think takes it", async () => {
  ollama.handler = fakeOllama;
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  for (const model of ['ollama/qwen3:8b', 'ollama/llama3.1:8b', 'ollama/gpt-oss:20b']) {
    const { data, response } = await client.messages.create({ model, max_tokens: 1000, thinking: { type: 'disabled' }, messages: hi }).withResponse();
    expect(ollama.last().body.reasoning_effort).toBe('none');
    expect(data.content.map((b) => b.type)).toEqual(['text']);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
  }
});
