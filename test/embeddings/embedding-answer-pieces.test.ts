/**
 * A translated provider's embeddings answer (Ollama's here) is written in UTF-8 pieces, vector by
 * vector, each vector's numbers let go of once written, and sent piece after piece, never joined:
 * a single JSON.stringify held the numbers and their JSON at once, then that text and its UTF-8
 * copy. The bytes the client gets are those of the one JSON.stringify they replace, small answers
 * (sent whole) and large ones (paced) alike, floats and base64. The official openai client over real
 * HTTP (`asResponse()` for the bytes) against a fake Ollama in its wire shape; rows by x-request-id.
 */
import { afterAll, expect, test } from 'bun:test';
import { float32Base64 } from '../../src/embeddings/embedding-body';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { ollamaEmbeddingAnswer, vectorFor } from './fake-embeddings';

const ollama = startFakeUpstream((_req, rec) => ollamaEmbeddingAnswer(rec.body));
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`, { MODELS: 'nomic-embed-text' }) });
afterAll(() => ollama.close());

/** The answer as one JSON.stringify wrote it (the fake's usage: 3 tokens an input). */
function expectedText(inputs: string[], dims: number, format: 'float' | 'base64'): string {
  const data = inputs.map((t, index) => {
    const v = vectorFor(t, dims);
    return { object: 'embedding', index, embedding: format === 'float' ? v : float32Base64(v) };
  });
  const n = inputs.length * 3;
  return JSON.stringify({ object: 'list', data, model: 'nomic-embed-text', usage: { prompt_tokens: n, total_tokens: n } });
}

const cases = [
  // ~1.5 MB of floats: many pieces, past the size from which a whole answer is paced.
  { name: '100 inputs of 768 values', count: 100, dims: 768 },
  // A few hundred bytes: one piece, sent whole.
  { name: '3 inputs of 8 values', count: 3, dims: 8 },
];

for (const { name, count, dims } of cases) {
  for (const format of ['float', 'base64'] as const) {
    test(`${name} as ${format}: the bytes of the one JSON.stringify, one row`, async () => {
      const inputs = Array.from({ length: count }, (_, i) => `${format} piece ${i} of a document`);
      const res = await gw.openai().embeddings.create({ model: 'ollama/nomic-embed-text', input: inputs, dimensions: dims, encoding_format: format }).asResponse();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.text()).toBe(expectedText(inputs, dims, format));
      const row = await gw.waitForRow(res);
      // Ollama is free: its prompt tokens as it counted them, no cost.
      expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, provider: 'ollama', promptTokens: count * 3, estimated: false, costUsd: 0 });
    });
  }
}
