/**
 * A chat model asked for embeddings. OpenAI answers 403 "You are not allowed to generate embeddings
 * from this model" (no code, the model unnamed): the request's fault, not the key's. The client gets
 * 400 embeddings_not_supported on `model`, no key of the pool is set aside (a 403 naming no model is
 * otherwise a refused key, every key tried and each set aside), and a group goes on to its next
 * target. Google answers a chat model's batchEmbedContents with its 404, relayed as model_not_found.
 * Ollama answers a chat model with a 5xx (501 from its llama-server runner, 500 from older servers):
 * the same 400, not a failing provider whose model circuit opens, refusing that model's chat too.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { modelGroups } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';
import { envKeyOf } from '../helpers/env-key';

const EMBEDDING_MODELS = new Set(['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']);
/** OpenAI's answer to /v1/embeddings with a chat model, as it sends it (HTTP 403). */
const notAllowed = { error: { message: 'You are not allowed to generate embeddings from this model', type: 'invalid_request_error', param: null, code: null } };
const openai = startFakeUpstream((_req, rec) =>
  rec.path === '/v1/embeddings' && !EMBEDDING_MODELS.has(rec.body.model) ? jsonResponse(notAllowed, 403) : openaiEmbeddingAnswer(rec.body, 4),
);
const gemini = startFakeUpstream((_req, rec) =>
  rec.path.includes('/models/gemini-embedding-001:')
    ? geminiBatchAnswer(rec)
    : jsonResponse({ error: { code: 404, message: `models/${rec.path.split('/models/')[1]!.split(':')[0]} is not found for API version v1beta, or is not supported for batchEmbedContents. Call ListModels to see the list of available models and their supported methods.`, status: 'NOT_FOUND' } }, 404),
);
/**
 * Ollama's /v1/embeddings for a chat model, through its OpenAI error middleware (type `api_error`):
 * llama-server started without `--embedding` answers 501 (llm/llama_server.go normalizeEmbeddingError
 * keeps its status); Ollama before it, 500 (or 501) from its own runner.
 */
const OLLAMA_REFUSALS: Record<string, [number, string]> = {
  'llama3.2': [501, 'This server does not support embeddings. Start it with `--embeddings`'],
  'qwen3:8b': [500, 'this model does not support embeddings'],
};
const ollama = startFakeUpstream((_req, rec) => {
  if (rec.path !== '/v1/embeddings') return okCompletion(rec.body.model);
  const refusal = OLLAMA_REFUSALS[rec.body.model];
  if (!refusal) return ollamaEmbeddingAnswer(rec.body);
  return jsonResponse({ error: { message: refusal[1], type: 'api_error', param: null, code: null } }, refusal[0]);
});
let gw: TestGateway;
let poolKeyId: string;

beforeAll(async () => {
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) } });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: 'sk-pool-second-key-abcdWXYZ', weight: 1, label: 'second' })).id;
  gw.ctx.db.insert(modelGroups).values({
    name: 'chat-then-embed', strategy: 'heuristic', targets: ['openai/gpt-4.1-nano', 'text-embedding-3-small'], updatedAt: Date.now(),
  }).run();
  gw.ctx.db.insert(modelGroups).values({
    name: 'ollama-chat-then-embed', strategy: 'heuristic', targets: ['ollama/llama3.2', 'ollama/nomic-embed-text'], updatedAt: Date.now(),
  }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  gemini.close();
  ollama.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool();
});

test.each(['gpt-4o', 'openai/gpt-4.1-nano'])('%s on OpenAI: 400 embeddings_not_supported, one call, no key set aside', async (model) => {
  const before = openai.requests.length;
  const err = await apiError(gw.openai().embeddings.create({ model, input: ['a document'] }));
  expect(err.status).toBe(400);
  expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'embeddings_not_supported' });
  expect((err.error as any).message).toContain('You are not allowed to generate embeddings from this model');
  // The other key would be refused the same: it is not tried.
  expect(openai.requests.length - before).toBe(1);
  for (const key of [envKeyOf(gw), poolKeyId]) {
    expect(gw.ctx.keyPool.stateOf('openai', key).state).toBe('active');
    expect(gw.ctx.keyPool.stateOf('openai', key, 'gpt-4o').state).toBe('active');
  }
  const row = await gw.waitForRow(err);
  expect(row).toMatchObject({ endpoint: 'embeddings', status: 400, provider: 'openai' });
});

test.each([
  ['OpenAI', 'chat-then-embed', 'text-embedding-3-small'],
  ['Ollama', 'ollama-chat-then-embed', 'ollama/nomic-embed-text'],
])('a group whose chat model %s refuses goes on to its embedding model', async (_provider, group, embedder) => {
  const { data, response } = await gw.openai().embeddings.create({ model: group, input: 'grouped', encoding_format: 'float' }).withResponse();
  expect(response.headers.get('x-gophergate-route')).toBe(`${group}>${embedder}`);
  expect(data.data[0]!.embedding).toEqual(vectorFor('grouped', 8));
  const row = await gw.waitForRow(response);
  expect(JSON.parse(row.attempts!).map((a: any) => a.status)).toEqual([400, 200]);
  expect(gw.ctx.keyPool.stateOf('openai', envKeyOf(gw)).state).toBe('active');
});

test("a Gemini chat model: Google's 404 relayed as model_not_found, naming batchEmbedContents", async () => {
  const err = await apiError(gw.openai().embeddings.create({ model: 'gemini-2.5-flash', input: 'x' }));
  expect(err.status).toBe(404);
  expect(err.error).toMatchObject({ code: 'model_not_found' });
  expect((err.error as any).message).toContain('not supported for batchEmbedContents');
});

test.each(Object.keys(OLLAMA_REFUSALS))("ollama/%s, a chat model: 400 embeddings_not_supported in Ollama's words, one call each; its circuit stays closed, its chat answers", async (model) => {
  const before = ollama.requests.length;
  for (let i = 0; i < 8; i++) {
    const err = await apiError(gw.openai().embeddings.create({ model: `ollama/${model}`, input: 'a document' }));
    expect([err.status, err.headers?.get('x-should-retry') ?? null]).toEqual([400, null]);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'embeddings_not_supported' });
    expect((err.error as any).message).toContain(OLLAMA_REFUSALS[model]![1]);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'embeddings', status: 400, provider: 'ollama' });
  }
  expect(ollama.requests.length - before).toBe(8);
  const chat = await gw.openai().chat.completions.create({ model: `ollama/${model}`, messages: [{ role: 'user', content: 'hi' }] });
  expect(chat.choices[0]!.message.content).toBeTruthy();
});
