import { afterAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embed, embedMany } from 'ai';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

const openai = startFakeUpstream((_req, rec) => openaiEmbeddingAnswer(rec.body, 4));
const gemini = startFakeUpstream((_req, rec) => geminiBatchAnswer(rec));
const ollama = startFakeUpstream((_req, rec) => ollamaEmbeddingAnswer(rec.body));
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: {
    ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`),
    LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
  },
});
afterAll(() => {
  openai.close();
  gemini.close();
  ollama.close();
});

describe('POST /v1/embeddings through the Vercel AI SDK', () => {
  test('embed and embedMany against the gateway', async () => {
    const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
    const model = provider.embedding('mock/embed');
    const one = await embed({ model, value: 'sunny day at the beach', maxRetries: 0 });
    expect(one.embedding).toHaveLength(1536);
    expect(one.usage.tokens).toBe(6);
    const many = await embedMany({ model, values: ['rainy day', 'sunny day at the beach'], maxRetries: 0 });
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[1]).toEqual(one.embedding);
    const direct = await gw.openai().embeddings.create({ model: 'mock/embed', input: 'rainy day', encoding_format: 'float' });
    expect(many.embeddings[0]).toEqual(direct.data[0]!.embedding);
  });

  // Each upstream's vectors as it sent them (the fakes derive them from the text and the dimensions asked).
  for (const model of ['text-embedding-3-small', 'gemini-embedding-001', 'ollama/nomic-embed-text']) {
    test(`@ai-sdk/openai-compatible and @ai-sdk/openai over ${model}: every vector as the upstream sent it, dimensions passed on`, async () => {
      const compatible = createOpenAICompatible({ name: 'gophergate', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
      const values = ['first chunk', 'second chunk', 'third chunk'];
      const many = await embedMany({ model: compatible.embeddingModel(model), values, maxRetries: 0 });
      expect(many.embeddings).toEqual(values.map((v) => vectorFor(v, 8)));
      expect(many.usage.tokens).toBeGreaterThan(0);
      const openaiProvider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
      const one = await embed({ model: openaiProvider.embedding(model), value: 'first chunk', maxRetries: 0, providerOptions: { openai: { dimensions: 4 } } });
      expect(one.embedding).toEqual(vectorFor('first chunk', 4));
    });
  }
});
