import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from '../responses/openai-schema';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

/** How the fake OpenAI fails: a 503, or a 200 HTML page (a proxy in front of it); false: it answers. */
let openaiDown: false | '503' | 'html' = false;
/** OpenAI refuses an explicit null where it wants a value (`Invalid type for 'dimensions'`). */
const nullField = (body: Record<string, unknown>) => Object.keys(body).find((k) => body[k] === null);
/** OpenAI's words for an input past the model's window (its embeddings API names no param). */
const OPENAI_TOO_LONG = {
  message: "This model's maximum context length is 8192 tokens, however you requested 9000 tokens (9000 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
  type: 'invalid_request_error', param: null, code: null,
};
const openai = startFakeUpstream((_req, rec) =>
  rec.body.input === 'too long for the window'
    ? jsonResponse({ error: OPENAI_TOO_LONG }, 400)
    : nullField(rec.body)
    ? jsonResponse({ error: { message: `Invalid type for '${nullField(rec.body)}': expected a value, but got null instead.`, type: 'invalid_request_error', param: nullField(rec.body), code: 'invalid_type' } }, 400)
    : openaiDown === '503'
    ? jsonResponse({ error: { message: 'The server is overloaded', type: 'server_error' } }, 503)
    : openaiDown === 'html'
      ? new Response('<html><body>Bad gateway</body></html>', { headers: { 'content-type': 'text/html' } })
      : openaiEmbeddingAnswer(rec.body, 7),
);
/** Batches the fake Gemini answers before it is out of quota (429); null: it always answers. */
let geminiBatchesLeft: number | null = null;
const gemini = startFakeUpstream((_req, rec) => {
  if (!rec.path.endsWith(':batchEmbedContents')) return jsonResponse({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }, 404);
  if (JSON.stringify(rec.body).length > 4_194_304) {
    return jsonResponse({ error: { code: 400, message: 'Request payload size exceeds the limit: 4194304 bytes.', status: 'INVALID_ARGUMENT' } }, 400);
  }
  // Google's 400 for a dimension count the model cannot make names its own field, with no param.
  const tooMany = rec.body.requests?.findIndex((r: any) => r.outputDimensionality > 3072) ?? -1;
  if (tooMany >= 0) {
    const message = `* BatchEmbedContentsRequest.requests[${tooMany}].output_dimensionality: Output dimensionality must be at most 3072.\n`;
    return jsonResponse({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }, 400);
  }
  if (geminiBatchesLeft !== null && geminiBatchesLeft-- <= 0) {
    return jsonResponse({ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }, 429);
  }
  return geminiBatchAnswer(rec);
});
/** An Ollama from before `dimensions`: it sends the model's whole vector whatever is asked. */
let ollamaIgnoresDimensions = false;
const ollama = startFakeUpstream((_req, rec) =>
  rec.path === '/v1/embeddings'
    ? ollamaEmbeddingAnswer(ollamaIgnoresDimensions ? { ...rec.body, dimensions: undefined } : rec.body)
    : jsonResponse({ error: 'not found' }, 404),
);
let gw: TestGateway;
let client: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    g.ctx.db.insert(modelGroups).values({
      name: 'embed-pool', strategy: 'heuristic', targets: ['text-embedding-3-small', 'gemini-embedding-001'], updatedAt: Date.now(),
    }).run();
    // A group a chat model heads: embeddings skip to the targets that can take the input.
    g.ctx.db.insert(modelGroups).values({
      name: 'chat-first', strategy: 'heuristic', targets: ['deepseek-chat', 'gemini-embedding-001', 'text-embedding-3-small'], updatedAt: Date.now(),
    }).run();
    g.ctx.db.insert(modelGroups).values({ name: 'chat-only', strategy: 'heuristic', targets: ['deepseek-chat'], updatedAt: Date.now() }).run();
    g.ctx.state.reload();
  },
  {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`),
      ...providerEnv('gemini', gemini.url),
      ...providerEnv('ollama', `${ollama.url}/v1`),
      // Never called: DeepSeek has no embeddings API.
      ...providerEnv('deepseek', `${ollama.url}/never`),
    },
  },
);
afterAll(() => {
  openai.close();
  gemini.close();
  ollama.close();
});

async function rowOf(requestId: string | null) {
  expect(requestId).toBeTruthy();
  for (let i = 0; i < 200; i++) {
    const row = gw.logs.find((l) => l.requestId === requestId);
    if (row) return row;
    await Bun.sleep(10);
  }
  throw new Error(`no log row for ${requestId}`);
}

describe('POST /v1/embeddings: Gemini', () => {
  test('batchEmbedContents, one request per input, dimensions as outputDimensionality; usage estimated and priced', async () => {
    const inputs = ['The quick brown fox', 'jumps over the lazy dog'];
    const { data, response } = await client.embeddings
      .create({ model: 'gemini-embedding-001', input: inputs, dimensions: 5, encoding_format: 'float' })
      .withResponse();
    expect(schemaErrors('CreateEmbeddingResponse', data)).toEqual([]);
    const sent = gemini.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent.headers['x-goog-api-key']).toBe('sk-test-gemini-key-0123456789');
    expect(sent.body).toEqual({
      requests: inputs.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 5 })),
    });
    // Google's values as sent: a shortened vector is not renormalised.
    expect(data.data.map((d) => d.embedding)).toEqual(inputs.map((t) => vectorFor(t, 5)));
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage.total_tokens).toBe(data.usage.prompt_tokens);
    const row = await rowOf(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'gemini', promptTokens: data.usage.prompt_tokens, completionTokens: 0, estimated: true });
    expect(row.costUsd).toBeCloseTo((data.usage.prompt_tokens * 0.15) / 1e6, 12);
  });

  test('a single string; base64 (the SDK default) decodes to the same floats', async () => {
    const floats = await client.embeddings.create({ model: 'gemini-embedding-001', input: 'hello', encoding_format: 'float' });
    expect(gemini.requests.at(-1)!.body.requests).toHaveLength(1);
    expect(gemini.requests.at(-1)!.body.requests[0].outputDimensionality).toBeUndefined();
    const decoded = await client.embeddings.create({ model: 'gemini/gemini-embedding-001', input: 'hello' });
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding);
  });

  test("Google's own spelling of the model, models/gemini-embedding-001, names the model (as on chat), not models/models/…", async () => {
    const res = await client.embeddings.create({ model: 'gemini/models/gemini-embedding-001', input: 'hello', encoding_format: 'float' });
    const sent = gemini.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent.body.requests[0].model).toBe('models/gemini-embedding-001');
    expect(res.data[0]!.embedding).toEqual(vectorFor('hello', 8));
    expect(res.model).toBe('gemini-embedding-001');
  });

  test('more than 100 inputs go as several batches, in order', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    const before = gemini.requests.length;
    const res = await client.embeddings.create({ model: 'gemini-embedding-001', input: inputs, encoding_format: 'float' });
    expect(gemini.requests.slice(before).map((r) => r.body.requests.length)).toEqual([100, 50]);
    expect(res.data[149]!.embedding).toEqual(vectorFor('text 149', 8));
    expect(res.data.map((d) => d.index)).toEqual(inputs.map((_, i) => i));
  });

  test("batches stay under Gemini's 4 MiB body limit too, in order", async () => {
    const inputs = ['a', 'b', 'c'].map((c) => `${c} `.repeat(750_000));
    const before = gemini.requests.length;
    const res = await client.embeddings.create({ model: 'gemini-embedding-001', input: inputs, encoding_format: 'float' });
    expect(gemini.requests.slice(before).map((r) => r.body.requests.length)).toEqual([2, 1]);
    expect(res.data.map((d) => d.embedding)).toEqual(inputs.map((t) => vectorFor(t, 8)));
  });

  test('a later batch refused after earlier ones were answered: the error reaches the client, the answered batches are billed', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => `billed text number ${i}`);
    geminiBatchesLeft = 1;
    try {
      const res = await gw.fetch('/v1/embeddings', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-embedding-001', input: inputs }),
      });
      expect(res.status).toBe(429);
      expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded' });
      const row = await rowOf(res.headers.get('x-request-id'));
      expect(row).toMatchObject({ status: 429, provider: 'gemini', estimated: true });
      const [attempt] = JSON.parse(row.attempts!);
      const firstHundred = (await gw.ctx.tokenCounter.count(inputs.slice(0, 100))).reduce((a, n) => a + n, 0);
      expect(attempt.billed).toMatchObject({ prompt_tokens: firstHundred, completion_tokens: 0 });
      expect(row.costUsd).toBeCloseTo((firstHundred * 0.15) / 1e6, 12);
    } finally {
      geminiBatchesLeft = null;
    }
  });

  test("task_type (the gateway's field) becomes each input's taskType across batches; OpenAI never sees it; a bad one is a 400", async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => `doc ${i}`);
    const before = gemini.requests.length;
    const docs = await client.embeddings.create({ model: 'gemini-embedding-001', input: inputs, task_type: 'RETRIEVAL_DOCUMENT', encoding_format: 'float' } as any);
    const sent = gemini.requests.slice(before).flatMap((r) => r.body.requests);
    expect(sent).toHaveLength(101);
    expect(new Set(sent.map((r: any) => r.taskType))).toEqual(new Set(['RETRIEVAL_DOCUMENT']));
    expect(docs.data[100]!.embedding as unknown).toEqual(vectorFor('doc 100', 8));

    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'q', task_type: 'RETRIEVAL_QUERY' } as any);
    expect(openai.requests.at(-1)!.body).toEqual({ model: 'text-embedding-3-small', input: 'q', encoding_format: 'base64' });

    const err = await apiError(client.embeddings.create({ model: 'gemini-embedding-001', input: 'q', task_type: 'retrieval' } as any));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'task_type' });
  });

  test("Google's 400 about outputDimensionality names `dimensions`, the field the client sent; one row", async () => {
    const err = await apiError(client.embeddings.create({ model: 'gemini-embedding-001', input: 'q', dimensions: 5000 }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'dimensions' });
    expect(err.message).toContain('output_dimensionality');
    const id = err.headers?.get('x-request-id') ?? null;
    expect(await rowOf(id)).toMatchObject({ endpoint: 'embeddings', provider: 'gemini', status: 400 });
    expect(gw.logs.filter((l) => l.requestId === id)).toHaveLength(1);
    // Another 400 of Google's names no field.
    const big = await apiError(client.embeddings.create({ model: 'gemini-embedding-001', input: 'x '.repeat(2_200_000) }));
    expect(big.error).toMatchObject({ param: null });
  });

  test('token arrays -> 400 invalid_input on input', async () => {
    const err = await apiError(client.embeddings.create({ model: 'gemini-embedding-001', input: [[1, 2, 3]] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'input', code: 'invalid_input' });
  });
});

describe('POST /v1/embeddings: Ollama', () => {
  test("its OpenAI-compatible /v1/embeddings, floats asked for, base64 encoded by the gateway, Ollama's usage", async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'ollama/nomic-embed-text', input: ['one', 'two'], dimensions: 4 })
      .withResponse();
    const sent = ollama.requests.at(-1)!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.body).toEqual({ model: 'nomic-embed-text', input: ['one', 'two'], encoding_format: 'float', dimensions: 4 });
    expect(data.data.map((d) => d.embedding)).toEqual([vectorFor('one', 4), vectorFor('two', 4)]);
    expect(data.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    const row = await rowOf(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ provider: 'ollama', model: 'ollama/nomic-embed-text', promptTokens: 6, estimated: false, costUsd: 0 });
    const single = await client.embeddings.create({ model: 'ollama/nomic-embed-text', input: 'one', dimensions: 4, encoding_format: 'float' });
    expect(schemaErrors('CreateEmbeddingResponse', single)).toEqual([]);
    expect(single.data[0]!.embedding).toEqual(data.data[0]!.embedding);
  });

  test('an Ollama that ignores dimensions: its vectors are cut to them and made unit length again, as a newer Ollama does', async () => {
    ollamaIgnoresDimensions = true;
    try {
      const data = await client.embeddings.create({ model: 'ollama/nomic-embed-text', input: ['one', 'two'], dimensions: 4, encoding_format: 'float' });
      expect(ollama.requests.at(-1)!.body.dimensions).toBe(4);
      for (const [i, text] of ['one', 'two'].entries()) {
        const head = vectorFor(text, 8).slice(0, 4);
        const norm = Math.hypot(...head);
        const got = data.data[i]!.embedding;
        expect(got).toHaveLength(4);
        got.forEach((x, j) => expect(x).toBeCloseTo(head[j]! / norm, 6));
      }
      // Without dimensions the whole vector comes as sent.
      const whole = await client.embeddings.create({ model: 'ollama/nomic-embed-text', input: 'one', encoding_format: 'float' });
      expect(whole.data[0]!.embedding).toEqual(vectorFor('one', 8));
    } finally {
      ollamaIgnoresDimensions = false;
    }
  });

  test('token arrays -> 400 invalid_input on input', async () => {
    const err = await apiError(client.embeddings.create({ model: 'ollama/nomic-embed-text', input: [1, 2] }));
    expect(err.error).toMatchObject({ param: 'input', code: 'invalid_input' });
  });
});

describe('POST /v1/embeddings: groups', () => {
  test.each(['503', 'html'] as const)('a group of embedding models falls back to its next target when the first fails (%s)', async (how) => {
    openaiDown = how;
    try {
      const { data, response } = await client.embeddings.create({ model: 'embed-pool', input: 'fallback please', encoding_format: 'float' }).withResponse();
      expect(response.headers.get('x-gophergate-provider')).toBe('gemini');
      expect(response.headers.get('x-gophergate-route')).toBe('embed-pool>gemini-embedding-001');
      expect(data.data[0]!.embedding).toEqual(vectorFor('fallback please', 8));
      const row = await rowOf(response.headers.get('x-request-id'));
      expect(row).toMatchObject({ provider: 'gemini', model: 'gemini-embedding-001', modelRequested: 'embed-pool', status: 200 });
      expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['gemini', 200]]);
    } finally {
      openaiDown = false;
    }
  });

  test('a group skips the targets that cannot embed the input: no embeddings API, or text only before token arrays', async () => {
    const text = await client.embeddings.create({ model: 'chat-first', input: 'skip the chat model', encoding_format: 'float' }).withResponse();
    expect(text.response.headers.get('x-gophergate-route')).toBe('chat-first>gemini-embedding-001');
    expect(text.data.data[0]!.embedding).toEqual(vectorFor('skip the chat model', 8));
    const row = await rowOf(text.response.headers.get('x-request-id'));
    expect(row).toMatchObject({ status: 200, provider: 'gemini', modelRequested: 'chat-first' });

    const tokens = await client.embeddings.create({ model: 'chat-first', input: [[1, 2, 3]], encoding_format: 'float' }).withResponse();
    expect(tokens.response.headers.get('x-gophergate-route')).toBe('chat-first>text-embedding-3-small');
    expect(openai.requests.at(-1)!.body.input).toEqual([[1, 2, 3]]);

    // None can: the first target's own 400.
    const err = await apiError(client.embeddings.create({ model: 'chat-only', input: 'x' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'model', code: 'embeddings_not_supported' });
  });

  test('the group takes its first target while it answers', async () => {
    const { response } = await client.embeddings.create({ model: 'embed-pool', input: 'x' }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    const row = await rowOf(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ promptTokens: 7, model: 'text-embedding-3-small' });
  });
});

describe('POST /v1/embeddings: an input past the window', () => {
  test("OpenAI's overflow is 400 context_length_exceeded naming 'input' (the embeddings field, not chat's messages)", async () => {
    const err = await apiError(client.embeddings.create({ model: 'text-embedding-3-small', input: 'too long for the window' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'input' });
    const row = await rowOf(err.headers?.get('x-request-id') ?? null);
    expect(row).toMatchObject({ endpoint: 'embeddings', status: 400, provider: 'openai' });
  });
});

describe('POST /v1/embeddings: optional fields set to null mean "not set", for every provider', () => {
  const nulls = { encoding_format: null, dimensions: null, user: null, task_type: null };
  for (const model of ['openai/text-embedding-3-small', 'gemini/gemini-embedding-001', 'ollama/nomic-embed-text']) {
    test(`${model}: answered as without them; nothing null reaches the upstream`, async () => {
      const fake = { openai, gemini, ollama }[model.split('/')[0] as 'openai' | 'gemini' | 'ollama'];
      const res = await gw.fetch('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model, input: ['one', 'two'], ...nulls }) });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.data.map((d: { embedding: unknown }) => Array.isArray(d.embedding))).toEqual([true, true]);
      expect(JSON.stringify(fake.requests.at(-1)!.body)).not.toContain('null');
      expect(await rowOf(res.headers.get('x-request-id'))).toMatchObject({ status: 200 });
      // The official client sends dimensions and user as given (a null encoding_format it makes base64).
      const viaSdk = await client.embeddings.create({ model, input: 'one', dimensions: null, user: null } as any);
      expect(viaSdk.data[0]!.embedding).toHaveLength(body.data[0].embedding.length);
      expect(JSON.stringify(fake.requests.at(-1)!.body)).not.toContain('null');
    });
  }
});
