/**
 * A chat model asked for embeddings. OpenAI answers 403 "You are not allowed to generate embeddings
 * from this model" (no code, the model unnamed): the request's fault, not the key's. The client gets
 * 400 embeddings_not_supported on `model`, no key of the pool is set aside (a 403 naming no model is
 * otherwise a refused key, every key tried and each set aside), and a group goes on to its next
 * target. Google answers a chat model's batchEmbedContents with its 404, relayed as model_not_found.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { modelGroups } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';
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
let gw: TestGateway;
let poolKeyId: string;

beforeAll(async () => {
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: 'sk-pool-second-key-abcdWXYZ', weight: 1, label: 'second' })).id;
  gw.ctx.db.insert(modelGroups).values({
    name: 'chat-then-embed', strategy: 'heuristic', targets: ['openai/gpt-4.1-nano', 'text-embedding-3-small'], updatedAt: Date.now(),
  }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  gemini.close();
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

test('a group whose chat model OpenAI refuses goes on to its embedding model', async () => {
  const { data, response } = await gw.openai().embeddings.create({ model: 'chat-then-embed', input: 'grouped', encoding_format: 'float' }).withResponse();
  expect(response.headers.get('x-gophergate-route')).toBe('chat-then-embed>text-embedding-3-small');
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
