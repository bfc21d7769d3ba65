import { describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { embed, embedMany } from 'ai';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

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
});
