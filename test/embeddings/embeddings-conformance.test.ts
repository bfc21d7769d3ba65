/**
 * POST /v1/embeddings in OpenAI's shape for each provider with an embeddings API (OpenAI, Gemini,
 * Ollama), floats and base64 (asked for, or the default), one input and several, through the real
 * gateway over HTTP: the raw JSON validates by Ajv against OpenAI's CreateEmbeddingResponse (a
 * base64 vector once decoded, as the spec has only the float form).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, openaiEmbeddingAnswer } from './fake-embeddings';

let openai: FakeUpstream;
let gemini: FakeUpstream;
let ollama: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => openaiEmbeddingAnswer(rec.body, 5));
  gemini = startFakeUpstream((_req, rec) => (rec.path.endsWith(':batchEmbedContents') ? geminiBatchAnswer(rec) : jsonResponse({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }, 404)));
  ollama = startFakeUpstream((_req, rec) => ollamaEmbeddingAnswer(rec.body));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  for (const f of [openai, gemini, ollama]) f.close();
});

const floats = (b64: string) => Array.from(new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer));

describe('CreateEmbeddingResponse', () => {
  for (const model of ['text-embedding-3-small', 'gemini/gemini-embedding-001', 'ollama/nomic-embed-text']) {
    for (const format of ['float', 'base64', undefined]) {
      for (const input of ['one', ['one', 'two']]) {
        test(`${model}, ${format ?? 'no encoding_format'}, ${typeof input === 'string' ? 'one input' : 'two inputs'}`, async () => {
          const res = await gw.fetch('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model, input, ...(format ? { encoding_format: format } : {}) }) });
          expect(res.status).toBe(200);
          const body = await res.json();
          expect(body.data).toHaveLength(typeof input === 'string' ? 1 : 2);
          expect(body.data.map((d: any) => d.index)).toEqual(body.data.map((_: unknown, i: number) => i));
          for (const d of body.data) expect(typeof d.embedding).toBe(format === 'base64' ? 'string' : 'object');
          const decoded = { ...body, data: body.data.map((d: any) => ({ ...d, embedding: typeof d.embedding === 'string' ? floats(d.embedding) : d.embedding })) };
          expect(openaiSchemaErrors('CreateEmbeddingResponse', decoded)).toEqual([]);
        });
      }
    }
  }
});
