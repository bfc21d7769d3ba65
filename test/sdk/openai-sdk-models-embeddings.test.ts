/**
 * The official `openai` SDK's list and embedding helpers against the real gateway: `models.list()`
 * auto-pagination and `models.retrieve`, and `embeddings.create` without `encoding_format` (the
 * SDK then asks for base64 and decodes the float32 values itself) on an OpenAI upstream (passed
 * through) and a Gemini one (translated, base64 encoded by the gateway).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiEmbeddingAnswer, vectorFor } from '../embeddings/fake-embeddings';
import { sdkClient } from './openai-sdk-fakes';

const openaiUp = startFakeUpstream((_req, rec) => openaiEmbeddingAnswer(rec.body, 7));
/** Gemini's values are float64 in its JSON, not float32 ones: these two are not exact in float32. */
const GEMINI_VALUES = [0.0123456789, -0.987654321, 0.5, 1e-7];
const geminiUp = startFakeUpstream((_req, rec) =>
  rec.path.endsWith(':batchEmbedContents')
    ? jsonResponse({ embeddings: rec.body.requests.map(() => ({ values: GEMINI_VALUES })) })
    : jsonResponse({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }, 404),
);
let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
useGateway(
  (g) => {
    gw = g;
    sdk = sdkClient(g);
  },
  {
    env: {
      ...providerEnv('openai', `${openaiUp.url}/v1`),
      ...providerEnv('gemini', geminiUp.url),
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
    },
  },
);
afterAll(() => {
  openaiUp.close();
  geminiUp.close();
});

/** Model reads are not model requests: no log row may carry their ids. */
async function expectNoRows(mark: number) {
  const ids = sdk.ids.ids.slice(mark);
  expect(ids.length).toBeGreaterThan(0);
  await Bun.sleep(50);
  expect(gw.logs.filter((l) => ids.includes(l.requestId ?? ''))).toEqual([]);
}

describe('models', () => {
  test('models.list() auto-paginates over every model of the enabled providers and the groups, as GET /v1/models lists them', async () => {
    const mark = sdk.ids.ids.length;
    const all = [];
    for await (const m of sdk.client.models.list()) all.push(m);
    const raw = await (await gw.fetch('/v1/models')).json();
    expect(all).toEqual(raw.data);
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    const owners = new Map(all.map((m) => [m.id, m.owned_by]));
    expect(owners.get('gpt-4o-mini')).toBe('openai');
    expect(owners.get('claude-sonnet-4-5')).toBe('anthropic');
    expect(owners.get('gemini-embedding-001')).toBe('gemini');
    expect(owners.get('mock/echo')).toBe('mock');
    expect(all.find((m) => m.id === 'dispatcher')).toMatchObject({ object: 'model', group: true });
    // DeepSeek has no key here: its models are not offered.
    expect(all.some((m) => m.owned_by === 'deepseek')).toBe(false);
    for (const m of all) expect(m).toMatchObject({ object: 'model', created: expect.any(Number), owned_by: expect.any(String) });
    const page = await sdk.client.models.list();
    expect(page.hasNextPage()).toBe(false);
    await expectNoRows(mark);
  });

  test('models.retrieve: a bare id, an id with a slash (the SDK encodes it) and a group; an unknown id is a 404', async () => {
    const mark = sdk.ids.ids.length;
    expect(await sdk.client.models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' });
    expect(await sdk.client.models.retrieve('mock/echo')).toMatchObject({ id: 'mock/echo', object: 'model', owned_by: 'mock' });
    expect(await sdk.client.models.retrieve('dispatcher')).toMatchObject({ id: 'dispatcher', group: true });
    const err = await apiError(sdk.client.models.retrieve('no-such-model'));
    expect([err.status, err.code, err.type]).toEqual([404, 'model_not_found', 'invalid_request_error']);
    await expectNoRows(mark);
  });
});

describe('embeddings.create without encoding_format (the SDK asks for base64 and decodes it)', () => {
  test('OpenAI: base64 asked upstream, passed through; the decoded floats are the upstream float32 values exactly', async () => {
    const inputs = ['sunny day at the beach', 'rainy day'];
    const { data, request_id } = await sdk.client.embeddings.create({ model: 'text-embedding-3-small', input: inputs }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual(inputs.map((x) => vectorFor(x, 8)));
    expect(data.data.map((d) => d.index)).toEqual([0, 1]);
    expect(data.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(openaiUp.last().body).toEqual({ model: 'text-embedding-3-small', input: inputs, encoding_format: 'base64' });
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'embeddings', provider: 'openai', status: 200, promptTokens: 7, completionTokens: 0 });
  });

  test('Gemini: the gateway encodes the vectors; they decode to the float32 nearest to each of Gemini\'s values', async () => {
    const { data, request_id } = await sdk.client.embeddings.create({ model: 'gemini-embedding-001', input: 'The quick brown fox', dimensions: 4 }).withResponse();
    expect(data.data).toHaveLength(1);
    expect(data.data[0]!.embedding).toEqual(GEMINI_VALUES.map(Math.fround));
    expect(data.data[0]!.embedding[2]).toBe(0.5);
    const sent = geminiUp.last();
    expect(sent.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent.body.requests).toEqual([
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'The quick brown fox' }] }, outputDimensionality: 4 },
    ]);
    const row = await gw.waitForRow(request_id!);
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'gemini', status: 200, completionTokens: 0, estimated: true });
    expect(row.promptTokens).toBe(data.usage.prompt_tokens);
    expect(row.promptTokens).toBeGreaterThan(0);
  });
});
