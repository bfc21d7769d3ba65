/**
 * LangChain's OpenAIEmbeddings against the gateway: its default model (`text-embedding-ada-002`,
 * what `new OpenAIEmbeddings()` sends) and the Gemini and Ollama models through the same client.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { OpenAIEmbeddings } from '@langchain/openai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

const openai = startFakeUpstream((_req, rec) => (rec.path === '/v1/embeddings' ? openaiEmbeddingAnswer(rec.body, 4) : jsonResponse({}, 404)));
const gemini = startFakeUpstream((_req, rec) => geminiBatchAnswer(rec));
const ollama = startFakeUpstream((_req, rec) => (rec.path === '/v1/embeddings' ? ollamaEmbeddingAnswer(rec.body) : jsonResponse({}, 404)));
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) },
});
afterAll(() => {
  openai.close();
  gemini.close();
  ollama.close();
});

const embeddings = (fields: ConstructorParameters<typeof OpenAIEmbeddings>[0] = {}) =>
  new OpenAIEmbeddings({ apiKey: gw.clientKey, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0, ...fields });

describe('POST /v1/embeddings through LangChain OpenAIEmbeddings', () => {
  test("its default model (text-embedding-ada-002) is known: passed to OpenAI, logged with ada-002's price", async () => {
    const lc = embeddings();
    const vectors = await lc.embedDocuments(['first doc', 'second doc']);
    expect(vectors).toEqual([vectorFor('first doc', 8), vectorFor('second doc', 8)]);
    const sent = openai.requests.at(-1)!;
    expect(sent.body).toMatchObject({ model: 'text-embedding-ada-002', input: ['first doc', 'second doc'] });
    // The only ada-002 request of this file (LangChain shows no response headers to take its x-request-id from).
    const [row] = (await gw.waitForClientRows(gw.clientId, 1)).filter((l) => l.model === 'text-embedding-ada-002');
    expect(row).toMatchObject({ status: 200, provider: 'openai', promptTokens: 4 });
    expect(row!.costUsd).toBeCloseTo((4 * 0.1) / 1e6, 12);
  });

  test('Gemini and Ollama models, with dimensions', async () => {
    for (const model of ['gemini/gemini-embedding-001', 'ollama/nomic-embed-text']) {
      const lc = embeddings({ model, dimensions: 4 });
      expect(await lc.embedQuery('hello')).toHaveLength(4);
      const docs = await lc.embedDocuments(['a', 'b', 'c']);
      expect(docs.map((v) => v.length)).toEqual([4, 4, 4]);
    }
  });
});
