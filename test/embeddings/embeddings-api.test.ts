import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from '../responses/openai-schema';
import { openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

const openai = startFakeUpstream((_req, rec) =>
  rec.path === '/v1/embeddings' ? openaiEmbeddingAnswer(rec.body, 5) : jsonResponse({ error: { message: 'unexpected' } }, 500),
);
let gw: TestGateway;
let client: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`),
      ...providerEnv('deepseek', `${openai.url}/v1`),
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
    },
  },
);
afterAll(() => openai.close());

/** The log row of the answer with this x-request-id. */
async function rowOf(requestId: string | null) {
  expect(requestId).toBeTruthy();
  for (let i = 0; i < 200; i++) {
    const row = gw.logs.find((l) => l.requestId === requestId);
    if (row) return row;
    await Bun.sleep(10);
  }
  throw new Error(`no log row for ${requestId}`);
}

const raw = (body: unknown) =>
  gw.fetch('/v1/embeddings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

describe('POST /v1/embeddings: mock provider', () => {
  test('a single string: deterministic unit vector, base64 (the SDK default) decodes to the same floats', async () => {
    const floats = await client.embeddings.create({ model: 'mock/embed', input: 'hello world', encoding_format: 'float' });
    expect(schemaErrors('CreateEmbeddingResponse', floats)).toEqual([]);
    expect(floats.data).toHaveLength(1);
    const v = floats.data[0]!.embedding;
    expect(v).toHaveLength(1536);
    expect(norm(v)).toBeCloseTo(1, 4);
    const viaBase64 = await client.embeddings.create({ model: 'mock/embed', input: 'hello world' });
    expect(viaBase64.data[0]!.embedding).toEqual(v);
    const again = await client.embeddings.create({ model: 'mock/embed', input: 'hello world', encoding_format: 'float' });
    expect(again.data[0]!.embedding).toEqual(v);
    expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  test('a batch with dimensions: one vector per input, in order, of the asked length', async () => {
    const inputs = ['alpha', 'beta', 'gamma'];
    const { data, response } = await client.embeddings
      .create({ model: 'mock/embed', input: inputs, dimensions: 64, encoding_format: 'float' })
      .withResponse();
    expect(data.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of data.data) expect(d.embedding).toHaveLength(64);
    const single = await client.embeddings.create({ model: 'mock/embed', input: 'beta', dimensions: 64, encoding_format: 'float' });
    expect(data.data[1]!.embedding).toEqual(single.data[0]!.embedding);
    const row = await rowOf(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'mock', status: 200, completionTokens: 0, promptTokens: 5, clientId: gw.clientId });
  });

  test('token arrays are embeddings inputs too', async () => {
    const one = await client.embeddings.create({ model: 'mock/embed', input: [1, 2, 3], encoding_format: 'float' });
    const many = await client.embeddings.create({ model: 'mock/embed', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' });
    expect(many.data[0]!.embedding).toEqual(one.data[0]!.embedding);
    expect(many.usage.prompt_tokens).toBe(5);
  });

  test('base64 answers carry float32 little-endian bytes, as OpenAI sends them', async () => {
    const res = await raw({ model: 'mock/embed', input: 'x', encoding_format: 'base64', dimensions: 4 });
    const body = await res.json();
    const bytes = Buffer.from(body.data[0].embedding, 'base64');
    expect(bytes.length).toBe(16);
    const decoded = Array.from({ length: 4 }, (_, i) => bytes.readFloatLE(i * 4));
    // OpenAI's schema types `embedding` as the float list; a base64 answer matches it once decoded (as the SDKs do).
    expect(schemaErrors('CreateEmbeddingResponse', { ...body, data: [{ ...body.data[0], embedding: decoded }] })).toEqual([]);
    const floats = await (await raw({ model: 'mock/embed', input: 'x', dimensions: 4 })).json();
    expect(decoded).toEqual(floats.data[0].embedding);
  });
});

describe('POST /v1/embeddings: OpenAI passed through', () => {
  test('the body goes upstream as sent, the answer comes back; usage and cost logged', async () => {
    const { data, response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'The food was delicious' }).withResponse();
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');
    expect(sent.body).toEqual({ model: 'text-embedding-3-small', input: 'The food was delicious', encoding_format: 'base64' });
    expect(data.data[0]!.embedding).toEqual(vectorFor('The food was delicious', 8));
    expect(data.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    const row = await rowOf(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'openai', model: 'text-embedding-3-small', promptTokens: 5, completionTokens: 0, estimated: false });
    expect(row.costUsd).toBeCloseTo(5 * 0.02 / 1e6, 12);
  });

  test("floats asked of OpenAI as base64 and decoded: the bytes of OpenAI's float answer; dimensions and batches passed through", async () => {
    const sent = { model: 'text-embedding-3-large', input: ['a', 'b'], dimensions: 3, encoding_format: 'float' };
    const res = await raw(sent);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(schemaErrors('CreateEmbeddingResponse', body)).toEqual([]);
    expect(openai.requests.at(-1)!.body).toEqual({ ...sent, encoding_format: 'base64' });
    expect(body.data.map((d: any) => d.embedding)).toEqual([vectorFor('a', 3), vectorFor('b', 3)]);
    expect(text).toBe(await openaiEmbeddingAnswer(sent, 5).text());
    const row = await rowOf(res.headers.get('x-request-id'));
    expect(row.costUsd).toBeCloseTo(5 * 0.13 / 1e6, 12);
  });

  test('one token array longer than 2048 tokens is one input: passed through, not refused as 2048+ inputs', async () => {
    const tokens = Array.from({ length: 3000 }, (_, i) => i % 1000);
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: tokens, encoding_format: 'float' });
    expect(res.data).toHaveLength(1);
    expect(openai.requests.at(-1)!.body.input).toEqual(tokens);
    const many = await raw({ model: 'mock/e', input: Array.from({ length: 2049 }, () => [1, 2]) });
    expect(many.status).toBe(400);
    expect((await many.json()).error).toMatchObject({ param: 'input', code: 'invalid_input' });
  });
});

describe('POST /v1/embeddings: refusals', () => {
  const cases: [string, unknown, string, string | null][] = [
    ['empty string', { model: 'mock/e', input: '' }, 'input', 'invalid_input'],
    ['empty array', { model: 'mock/e', input: [] }, 'input', 'invalid_input'],
    ['an empty string in the list', { model: 'mock/e', input: ['a', ''] }, 'input', 'invalid_input'],
    ['mixed types', { model: 'mock/e', input: ['a', 1] }, 'input', 'invalid_input'],
    ['an object', { model: 'mock/e', input: { text: 'a' } }, 'input', 'invalid_input'],
    ['negative token', { model: 'mock/e', input: [1, -2] }, 'input', 'invalid_input'],
    ['a token id past 2^53', { model: 'mock/e', input: [[1, 1e20]] }, 'input', 'invalid_input'],
    ['too many inputs', { model: 'mock/e', input: Array.from({ length: 2049 }, () => 'a') }, 'input', 'invalid_input'],
    ['no input', { model: 'mock/e' }, 'input', 'invalid_request'],
    ['no model', { input: 'a' }, 'model', 'invalid_request'],
    ['bad encoding_format', { model: 'mock/e', input: 'a', encoding_format: 'int8' }, 'encoding_format', 'invalid_request'],
    ['dimensions 0', { model: 'mock/e', input: 'a', dimensions: 0 }, 'dimensions', 'invalid_request'],
    // OpenAI refuses it; Gemini, Ollama and the mock would have ignored it silently.
    ['user not a string', { model: 'mock/e', input: 'a', user: 5 }, 'user', 'invalid_request'],
    ['a provider without embeddings', { model: 'deepseek-chat', input: 'a' }, 'model', 'embeddings_not_supported'],
  ];
  for (const [name, body, param, code] of cases) {
    test(`${name} -> 400 naming '${param}', logged`, async () => {
      const res = await raw(body);
      expect(res.status).toBe(400);
      const err = (await res.json()).error;
      expect(err).toMatchObject({ type: 'invalid_request_error', param, code });
      expect(schemaErrors('ErrorResponse', { error: err })).toEqual([]);
      const row = await rowOf(res.headers.get('x-request-id'));
      expect(row).toMatchObject({ endpoint: 'embeddings', status: 400, costUsd: 0 });
    });
  }

  test('the provider is named when it has no embeddings API', async () => {
    const err = await apiError(client.embeddings.create({ model: 'deepseek-chat', input: 'a' }));
    expect(err.message).toContain("'deepseek'");
  });

  test('an unknown model is 404; an embedding model on chat is 400', async () => {
    expect((await apiError(client.embeddings.create({ model: 'no-such-model', input: 'a' }))).status).toBe(404);
    const chat = await apiError(client.chat.completions.create({ model: 'text-embedding-3-small', messages: [{ role: 'user', content: 'hi' }] }));
    expect(chat.status).toBe(400);
  });
});
